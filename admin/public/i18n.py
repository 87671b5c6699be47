"""English for the public pages. Indonesian is the source text; the locale comes from flask-babel's
selector (session choice, then the browser), so the switch on every page is one session value."""
from __future__ import annotations

from flask_babel import get_locale

EN = {
    "Layanan Pengaduan": "Complaint service",
    "Ajukan pengaduan": "File a complaint",
    "Lacak pengaduan": "Track a complaint",
    "Formulir pengaduan": "Complaint form",
    "Pilih layanan yang diadukan": "Choose the service your complaint is about",
    "Pilih layanan lain": "Choose another service",
    "Pengaduan tidak dipungut biaya.": "Filing a complaint is free of charge.",
    "Kolom bertanda * wajib diisi.": "Fields marked * are required.",
    "Identitas pengadu": "Your identity",
    "Perizinan yang diadukan": "The permit concerned",
    "Isi pengaduan": "The complaint",
    "Perlindungan identitas": "Identity protection",
    "Biasa": "Normal",
    "identitas Anda dapat dilihat petugas yang menangani pengaduan.":
        "officers handling the complaint can see your identity.",
    "Anonim": "Anonymous",
    "pengaduan ditangani seperti biasa, tetapi identitas Anda disembunyikan dari OPD dan dari semua tampilan publik.":
        "the complaint is handled normally, but your identity is hidden from the agencies and every public page.",
    "Rahasia": "Confidential",
    "identitas Anda hanya dapat dilihat pimpinan, dan setiap kali dilihat akan dicatat.":
        "only supervisors can see your identity, and every view of it is logged.",
    "Bukti awal (opsional)": "Initial evidence (optional)",
    "Jenis berkas: PDF, JPG, PNG, WebP, Word, Excel; paling banyak":
        "File types: PDF, JPG, PNG, WebP, Word, Excel; up to",
    "berkas": "files",
    "ukuran seluruhnya maksimal": "total size at most",
    "Terlalu banyak berkas: paling banyak": "Too many files: at most",
    "Berkas terlalu besar: ukuran seluruhnya": "Files too large: together",
    "maksimal": "at most",
    "Perkecil atau kurangi berkas; isian Anda tetap tersimpan.":
        "Make them smaller or send fewer; what you typed is kept.",
    "Tekan tombol Kembali pada peramban: isian Anda masih ada di sana.":
        "Use the browser's Back button: what you typed is still there.",
    "Kirim pengaduan": "Send the complaint",
    "Langsung ke isi": "Skip to content",
    "Isian lain": "Another field",
    "Pilih berkas bukti awal": "Choose initial evidence files",
    "Pilih": "Choose",
    "Pengaduan belum dapat dikirim. Periksa isian yang ditandai.":
        "The complaint was not sent. Check the marked fields.",
    "Pengaduan Anda telah diterima": "Your complaint has been received",
    "Nomor pengaduan": "Complaint number",
    "Token pelacakan": "Tracking token",
    "Simpan nomor pengaduan dan token ini. Token hanya ditampilkan sekali dan diperlukan untuk melacak pengaduan.":
        "Keep the complaint number and this token. The token is shown only once and is needed to track the complaint.",
    "Buka halaman pelacakan": "Open the tracking page",
    "Resi sudah ditampilkan. Gunakan nomor pengaduan dan token yang telah Anda simpan untuk melacak.":
        "The receipt was already shown. Use the complaint number and token you kept to track it.",
    "Diterima pada": "Received on",
    "Tenggat penyelesaian": "Resolution due",
    "Lacak": "Track",
    "Pengaduan tidak ditemukan, atau token tidak cocok.": "No complaint found, or the token does not match.",
    "Status pengaduan": "Complaint status",
    "Tahap sekarang": "Current stage",
    "Riwayat": "History",
    "Tenggat": "Deadlines",
    "berjalan": "running",
    "dihentikan sementara": "paused",
    "Jawaban": "Answer",
    "Informasi yang diminta petugas": "Information the officer asked for",
    "Kirim informasi tambahan": "Send the additional information",
    "Informasi tambahan": "Additional information",
    "Diteruskan kepada instansi berwenang": "Forwarded to the competent agency",
    "Pengaduan Anda telah dikirim kepada instansi tersebut melalui": "Your complaint was sent to that agency by",
    "Pengiriman kepada instansi tersebut belum berhasil; petugas kami akan meneruskannya dengan cara lain.":
        "Sending it to that agency has not succeeded yet; our officers will forward it another way.",
    "Instansi tersebut belum tercatat kontaknya; petugas kami akan meneruskannya secara langsung.":
        "We have no contact for that agency on record yet; our officers will forward it in person.",
    "Pengaduan Anda sedang dikirim kepada instansi tersebut.": "Your complaint is being sent to that agency.",
    "Kontak instansi": "Agency contact",
    "Apakah jawaban ini menyelesaikan pengaduan Anda?": "Does this answer resolve your complaint?",
    "Ya, saya puas dengan jawabannya": "Yes, I am satisfied with the answer",
    "Tanggapan (opsional)": "Comments (optional)",
    "Buka kembali pengaduan": "Reopen the complaint",
    "Alasan membuka kembali": "Why you reopen it",
    "Anda dapat membuka kembali pengaduan sampai": "You can reopen the complaint until",
    "Tanpa tanggapan, pengaduan ditutup otomatis setelah tanggal itu.":
        "Without a reply, the complaint closes itself after that date.",
    "Terima kasih. Tanggapan Anda telah dicatat.": "Thank you. Your reply has been recorded.",
    "Tindakan ini tidak dapat dilakukan sekarang.": "This cannot be done now.",
    "Terlalu banyak permintaan": "Too many requests",
    "Anda mengirim terlalu banyak permintaan. Tunggu sebentar lalu coba lagi.":
        "You sent too many requests. Wait a moment and try again.",
    "Berkas terlalu besar": "File too large",
    "Kode kesalahan": "Error code",
    "PIN pelacakan": "Tracking PIN",
    "Memakai ponsel atau komputer bersama? Setelah mencatat nomor dan PIN, buat perangkat ini melupakan pengaduan "
    "Anda.": "Using a shared phone or computer? Once you have noted the number and PIN, make this device forget "
              "your complaint.",
    "Selesai di perangkat ini": "Done on this device",
    "Perangkat ini tidak lagi menyimpan resi dan pelacakan pengaduan Anda.":
        "This device no longer keeps your receipt and tracking.",
    "Janji layanan": "Our service promise",
    "Pengaduan dijawab paling lambat": "Complaints are answered within",
    "sejak diterima.": "of receipt.",
    "Hubungi kami": "Contact us",
    "Telepon / WhatsApp": "Phone / WhatsApp",
    "Email": "Email",
    "Jam layanan": "Service hours",
    "Untuk menanyakan pengaduan lewat telepon, siapkan nomor pengaduan dan PIN pada resi Anda.":
        "To ask about a complaint by phone, have the complaint number and the PIN on your receipt ready.",
    "Pemberitahuan privasi": "Privacy notice",
    "Identitas dan kontak yang Anda isi (nama, alamat, telepon, email) hanya dipakai untuk menangani pengaduan ini dan "
    "memberi tahu Anda perkembangannya. Identitas tidak pernah ditampilkan di halaman publik dan tidak dikirim kepada "
    "OPD bila Anda memilih Anonim; bila Anda memilih Rahasia, hanya pimpinan yang dapat melihatnya dan setiap kali "
    "dilihat dicatat.":
        "The identity and contacts you give (name, address, phone, email) are used only to handle this complaint and "
        "to tell you how it goes. Your identity is never shown on public pages and is not sent to the agencies if you "
        "choose Anonymous; if you choose Confidential, only supervisors can see it and every view is logged.",
    "Bukti yang Anda unggah hanya dapat dibuka petugas yang menangani pengaduan, dan setiap unduhan dicatat. "
    "Anda dapat memilih tidak menerima pemberitahuan; pengaduan tetap dapat dilacak dengan nomor pengaduan dan PIN.":
        "Evidence you upload can be opened only by the officers handling the complaint, and every download is logged. "
        "You may choose not to receive notifications; the complaint can still be tracked with its number and PIN.",
    "Kode QR: pindai untuk membuka halaman pelacakan pengaduan ini":
        "QR code: scan it to open this complaint's tracking page",
    "Pindai untuk melacak": "Scan to track",
    "Simpan nomor pengaduan dan PIN ini (atau cetak halaman ini). Untuk menanyakan pengaduan lewat telepon, sebutkan "
    "keduanya; di halaman pelacakan, ketik keduanya atau pindai kode QR.":
        "Keep the complaint number and this PIN (or print this page). To ask about the complaint by phone, give both; "
        "on the tracking page, type both or scan the QR code.",
    "untuk tautan dan sistem lain": "for links and other systems",
    "Cetak resi": "Print the receipt",
    "Resi tidak tersedia lagi": "The receipt is no longer available",
    "Resi sudah tidak dapat ditampilkan di peramban ini. Gunakan nomor pengaduan dan PIN (atau kode QR) yang telah "
    "Anda simpan untuk melacak.":
        "This browser can no longer show the receipt. Use the complaint number and PIN (or the QR code) you kept to "
        "track it.",
    "Terlalu banyak PIN yang salah untuk nomor ini. PIN dapat dicoba lagi setelah":
        "Too many wrong PINs for this number. The PIN can be tried again after",
    "Kode QR atau tautan pada resi tetap dapat dipakai.": "The QR code or the link on the receipt still works.",
    "Pengaduan tidak ditemukan, atau PIN/token tidak cocok. Periksa nomor pengaduan dan PIN pada resi Anda.":
        "No complaint found, or the PIN/token does not match. Check the complaint number and PIN on your receipt.",
    "Ketik nomor pengaduan dan PIN yang tercetak pada resi, atau pindai kode QR pada resi.":
        "Type the complaint number and the PIN printed on the receipt, or scan the receipt's QR code.",
    "Contoh": "Example",
    "Enam angka pada resi, misalnya 493 027.": "The six digits on the receipt, for example 493 027.",
    "Punya token pelacakan yang panjang?": "Have the long tracking token?",
    "Dokumen pendukung (opsional)": "Supporting documents (optional)",
    "Lampirkan dokumen yang diminta petugas. Jenis berkas: PDF, JPG, PNG, WebP, Word, Excel; paling banyak":
        "Attach the documents the officer asked for. File types: PDF, JPG, PNG, WebP, Word, Excel; up to",
    "Pengaduan ini sudah memiliki {n} berkas; paling banyak {m} berkas per pengaduan.":
        "This complaint already has {n} files; at most {m} files per complaint.",
    "Kembali ke konsol": "Back to the console",
    "Masuk dengan akun lain": "Sign in with another account",
    "Akses ditolak": "Access denied",
    "Anda tidak memiliki hak untuk membuka halaman ini. Jika seharusnya boleh, minta admin menambahkan peran Anda.":
        "You may not open this page. If you should, ask the admin to add your role.",
    "Alamat ini tidak ada atau sudah dipindahkan. Periksa alamatnya, atau mulai lagi dari beranda.":
        "This address does not exist or has moved. Check it, or start again from the home page.",
    "Cara membuka halaman ini tidak didukung": "This page cannot be opened this way",
    "Halaman ini tidak dapat dibuka dengan cara tersebut. Kembali ke halaman sebelumnya lalu gunakan tombol yang "
    "tersedia.": "This page cannot be opened that way. Go back to the previous page and use its buttons.",
    "Permintaan ini tidak lengkap atau tidak sah. Muat ulang halaman sebelumnya lalu coba lagi.":
        "This request is incomplete or invalid. Reload the previous page and try again.",
    "Anda mengirim terlalu banyak permintaan dari alamat ini.": "Too many requests came from this address.",
    "Coba lagi dalam {n} detik (pukul {at}).": "Try again in {n} seconds (at {at}).",
    "Coba lagi dalam {n} menit (pukul {at}).": "Try again in {n} minutes (at {at}).",
    "Terjadi kesalahan pada server dan sudah dicatat. Silakan coba lagi nanti.":
        "A server error occurred and has been logged. Please try again later.",
    "Ukuran kiriman melebihi batas. Perkecil berkas lalu kirim ulang.":
        "The upload is over the limit. Make the files smaller and send again.",
    "Permintaan tidak dapat diproses": "The request cannot be processed",
    "Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.":
        "The form expired or is invalid. Reload the page and try again.",
    "Halaman tidak ditemukan": "Page not found",
    "Kembali ke beranda": "Back to the start",
    "Terjadi kesalahan": "Something went wrong",
    "Terjadi kesalahan pada server. Silakan coba lagi nanti.": "A server error occurred. Please try again later.",
    "Jangan isi kolom ini": "Leave this field empty",
    "Sampaikan pengaduan tentang pelayanan perizinan dan non perizinan, lalu pantau penanganannya dengan "
    "nomor pengaduan.":
        "File a complaint about permit and non-permit services, then follow its handling with the complaint number.",
    "Tidak ada tenggat yang berjalan.": "No deadline is running.",
    "Pengaduan selesai.": "The complaint is closed.",
    "Bukti awal": "Initial evidence",
    "berkas terlampir": "file(s) attached",
}


def locale() -> str:
    try:
        return "en" if str(get_locale()) == "en" else "id"
    except Exception:  # noqa: BLE001 - outside a request
        return "id"


def t(text: str) -> str:
    return EN.get(text, text) if locale() == "en" else text


__all__ = ["t", "locale", "EN"]
