"""Definition problems in the supervisor's language: an Indonesian text for every validation message and hint.

Validation (`workflow.spec.parse`, `shapes`, `structure`, `validation` and the section modules) reports each
problem in English with a stable code (``D213 unknown clock 'penyelesaian'``). This module is the message
catalog keyed by that code: each English message of a code is a template whose ``{}`` are its parameters
(names, counts, lists), and the Indonesian template takes the same parameters by position. `translate` reads
the parameters back out of the English text, so the English stays the one source (the CLI, the API, the tests
and the fixtures keep it) and a message nobody translated is shown in English rather than not at all.
``tests/test_messages.py`` reads every problem call in ``workflow/spec`` and fails when one has no entry.

Hints are translated part by part (a hint may join a suggestion and a list with "; ").
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from workflow.errors import DefinitionProblem

#: The languages problems can be shown in; "en" is the text as reported.
LOCALES = ("id", "en")

#: code -> [(English template, Indonesian template)]; "{}" in English, "{0}", "{1}"... in Indonesian.
MESSAGES: dict[str, list[tuple[str, str]]] = {
    "D100": [
        ("not valid YAML: {} ({} that starts on line {})", "YAML tidak sah: {0} ({1} yang dimulai di baris {2})"),
        ("not valid YAML: {}", "YAML tidak sah: {0}"),
    ],
    "D101": [
        ("expected {}, found {}", "seharusnya {0}, tertulis {1}"),
        ("the file is empty", "berkas kosong"),
        ("could not read the definition", "definisi tidak dapat dibaca"),
        ("a key must be a plain name, not a list or a mapping",
         "kunci harus berupa nama biasa, bukan daftar atau pemetaan"),
        ("expected a mapping with 'to' and 'template'", "seharusnya pemetaan dengan 'to' dan 'template'"),
        ("expected a mapping of template keys", "seharusnya pemetaan kunci templat"),
        ("a guard is a mapping with a 'name'", "syarat (guard) adalah pemetaan dengan 'name'"),
        ("an effect is a mapping with exactly one kind", "efek adalah pemetaan dengan tepat satu jenis"),
    ],
    "D102": [("missing required key '{}'", "kunci wajib '{0}' belum ada")],
    "D103": [("unknown key '{}'", "kunci '{0}' tidak dikenal")],
    "D104": [("'{}' is not a valid identifier", "'{0}' bukan pengenal yang sah")],
    "D105": [
        ("a date_rule applies to date and datetime fields, not to a {} field",
         "date_rule hanya berlaku untuk isian tanggal dan tanggal-waktu, bukan isian {0}"),
        ("unknown day '{}'", "hari '{0}' tidak dikenal"),
        ("unknown outcome '{}'", "hasil akhir '{0}' tidak dikenal"),
        ("unknown outcome category '{}'", "kategori hasil akhir '{0}' tidak dikenal"),
        ("outcome '{}' is a standard category and must map to itself, not '{}'",
         "hasil akhir '{0}' adalah kategori baku dan harus berkategori dirinya sendiri, bukan '{1}'"),
        ("deadline amount must be a positive number, not '{}'", "jumlah tenggat harus bilangan positif, bukan '{0}'"),
        ("supervisor_level must be 1, 2, 3 …", "supervisor_level harus 1, 2, 3 …"),
        ("'*' is not allowed as a source", "'*' tidak boleh dipakai sebagai asal"),
        ("unknown field type '{}'", "jenis isian '{0}' tidak dikenal"),
        ("choice field '{}' has neither options nor catalog", "isian pilihan '{0}' tidak punya options maupun catalog"),
        ("default '{}' is not one of the options", "nilai bawaan '{0}' bukan salah satu pilihan"),
        ("'{}' is not one of the options", "'{0}' bukan salah satu pilihan"),
        ("max_length must be a positive whole number", "max_length harus bilangan bulat positif"),
        ("a rung needs exactly one of 'at' (percent of the budget) or 'after' (span past due)",
         "satu anak tangga eskalasi memerlukan tepat satu dari 'at' (persen anggaran waktu) atau 'after' "
         "(lama setelah lewat tenggat)"),
        ("'at: {}' is not a percentage", "'at: {0}' bukan persentase"),
    ],
    "D106": [
        ("deadline '{}' has no explicit unit", "tenggat '{0}' tidak menyebut satuannya"),
        ("unknown deadline unit '{}'", "satuan tenggat '{0}' tidak dikenal"),
    ],
    "D107": [("key '{}' is written twice; YAML would silently keep only the last one",
              "kunci '{0}' ditulis dua kali; YAML diam-diam hanya menyimpan yang terakhir")],
    "D108": [
        ("the definition is {} characters long; at most {} characters are read",
         "definisi sepanjang {0} karakter; paling banyak {1} karakter yang dibaca"),
        ("{}", "{0}"),
    ],
    "D201": [
        ("unknown state '{}'", "tahap '{0}' tidak dikenal"),
        ("unknown trigger '{}'", "aksi '{0}' tidak dikenal"),
    ],
    "D202": [
        ("unknown role '{}' in recipient '{}'", "peran '{0}' pada penerima '{1}' tidak dikenal"),
        ("unknown role '{}'", "peran '{0}' tidak dikenal"),
        ("transition '{}' names no role that may fire it",
         "perpindahan '{0}' tidak menyebut peran yang boleh menjalankannya"),
        ("handoff '{}' names no role that answers for an agency",
         "penyerahan '{0}' tidak menyebut peran yang menjawab atas nama instansi"),
    ],
    "D203": [("unknown guard '{}'", "syarat (guard) '{0}' tidak dikenal")],
    "D204": [
        ("guard '{}' needs parameter '{}'", "syarat '{0}' memerlukan parameter '{1}'"),
        ("guard '{}' parameter '{}' must be {}", "parameter '{1}' pada syarat '{0}' harus berjenis {2}"),
        ("guard '{}' takes no parameter '{}'", "syarat '{0}' tidak mengenal parameter '{1}'"),
        ("guard 'within' unit must be one of {}", "satuan pada syarat 'within' harus salah satu dari {0}"),
    ],
    "D205": [
        ("unknown catalog '{}'", "katalog '{0}' tidak dikenal"),
        ("catalog '{}' is not listed under 'catalogs'", "katalog '{0}' belum tercantum di bawah 'catalogs'"),
    ],
    "D206": [("a definition needs exactly one initial state, found {}", "definisi memerlukan tepat satu tahap awal, "
                                                                         "ditemukan {0}")],
    "D207": [("state '{}' cannot be reached from '{}'", "tahap '{0}' tidak dapat dicapai dari '{1}'")],
    "D208": [("state '{}' is a dead end: no transition leaves it and it is not terminal",
              "tahap '{0}' buntu: tidak ada perpindahan keluar darinya dan ia bukan tahap akhir")],
    "D209": [("terminal state '{}' has outgoing transitions ({})",
              "tahap akhir '{0}' masih punya perpindahan keluar ({1})")],
    "D210": [("trigger '{}' leaves state '{}' twice (transitions[{}] and [{}]) with the same guards",
              "aksi '{0}' keluar dari tahap '{1}' dua kali (transitions[{2}] dan [{3}]) dengan syarat yang sama")],
    "D211": [("trigger '{}' from '{}' is ambiguous: transitions[{}] and [{}] can both pass",
              "aksi '{0}' dari '{1}' bermakna ganda: transitions[{2}] dan [{3}] sama-sama dapat lolos")],
    "D212": [("clock '{}' has no escalation target", "tenggat '{0}' tidak punya sasaran eskalasi")],
    "D213": [("unknown clock '{}'", "tenggat (clock) '{0}' tidak dikenal")],
    "D214": [
        ("unknown effect '{}'", "efek '{0}' tidak dikenal"),
        ("effect '{}' needs a mapping of parameters", "efek '{0}' memerlukan pemetaan parameter"),
        ("assign takes exactly one of role / input / clear", "assign memerlukan tepat satu dari role / input / clear"),
        ("assign's role or input must be one name", "role atau input pada assign harus satu nama"),
        ("assign_opd takes 'field' (the OPD field) or 'clear: true'",
         "assign_opd memerlukan 'field' (isian OPD) atau 'clear: true'"),
        ("clock takes exactly one of {}", "clock memerlukan tepat satu dari {0}"),
        ("set takes 'field' and 'value'", "set memerlukan 'field' dan 'value'"),
        ("notify takes 'to' (recipients) and 'template'", "notify memerlukan 'to' (penerima) dan 'template'"),
    ],
    "D215": [("terminal state '{}' has no outcome", "tahap akhir '{0}' tidak punya hasil akhir (outcome)")],
    "D216": [("unknown lane '{}'", "lajur '{0}' tidak dikenal")],
    "D217": [
        ("unknown recipient '{}'", "penerima '{0}' tidak dikenal"),
        ("unknown notification template '{}'", "templat pemberitahuan '{0}' tidak dikenal"),
        ("recipient '{}' does not name a user", "penerima '{0}' tidak menyebut pengguna"),
    ],
    "D218": [("escalation target '{}' is not a supervisor role", "sasaran eskalasi '{0}' bukan peran pimpinan")],
    "D219": [
        ("clock '{}' counts from unknown field '{}'", "tenggat '{0}' dihitung dari isian '{1}' yang tidak dikenal"),
        ("recipient '{}' names unknown field '{}'", "penerima '{0}' menyebut isian '{1}' yang tidak dikenal"),
        ("field '{}' is filtered by unknown field '{}'", "isian '{0}' disaring oleh isian '{1}' yang tidak dikenal"),
        ("guard '{}' reads unknown field '{}'", "syarat '{0}' membaca isian '{1}' yang tidak dikenal"),
        ("unknown field '{}'", "isian '{0}' tidak dikenal"),
    ],
    "D220": [
        ("escalation rungs must go up: percentages ascending, then 'after' spans",
         "anak tangga eskalasi harus naik: persentase dari kecil ke besar, lalu rentang 'after'"),
        ("escalation rungs must go up: 'after' spans ascending",
         "anak tangga eskalasi harus naik: rentang 'after' dari pendek ke panjang"),
    ],
    "D221": [("field '{}' is declared twice here", "isian '{0}' dideklarasikan dua kali di sini")],
    "D230": [("unknown agency '{}'", "instansi '{0}' tidak dikenal")],
    "D240": [("field '{}' is a {} field, not a list of agencies", "isian '{0}' berjenis {1}, bukan daftar instansi")],
    "D241": [("transition '{}' hands the ticket to handoff '{}' without asking which agencies ('{}')",
              "perpindahan '{0}' menyerahkan pengaduan ke penyerahan '{1}' tanpa menanyakan instansi mana ('{2}')")],
    "D242": [
        ("clock '{}' already runs for {}", "tenggat '{0}' sudah berjalan untuk {1}"),
        ("clock '{}' runs per agency for handoff '{}' but declares when it starts, stops, pauses or counts from",
         "tenggat '{0}' berjalan per instansi untuk penyerahan '{1}', tetapi juga menyatakan kapan mulai, "
         "berhenti, jeda, atau dihitung dari"),
    ],
    "D243": [
        ("handoff '{}' waits in '{}', which is the initial state",
         "penyerahan '{0}' menunggu di '{1}', padahal itu tahap awal"),
        ("handoff '{}' waits in '{}', which is a closing state",
         "penyerahan '{0}' menunggu di '{1}', padahal itu tahap penutup"),
        ("handoff '{}' waits in '{}', which is also where it goes on ('then')",
         "penyerahan '{0}' menunggu di '{1}', padahal itu juga tahap lanjutannya ('then')"),
        ("handoffs '{}' and '{}' both wait in '{}'", "penyerahan '{0}' dan '{1}' sama-sama menunggu di '{2}'"),
    ],
    "D244": [("clock '{}' counts from '{}', a {} field, not a date",
              "tenggat '{0}' dihitung dari '{1}', isian berjenis {2}, bukan tanggal")],
    "D245": [
        ("template '{}' has no Indonesian text ('id')", "templat '{0}' tidak punya teks bahasa Indonesia ('id')"),
        ("template '{}' ({}) is not 'Subject: ...', a blank line, then the message",
         "templat '{0}' ({1}) tidak berbentuk 'Subject: ...', satu baris kosong, lalu pesannya"),
    ],
    "D246": [("recipient '{}' names a {} field", "penerima '{0}' menyebut isian berjenis {1}")],
    "D247": [
        ("the text is empty", "teksnya kosong"),
        ("the text has {} characters, more than {}", "teksnya {0} karakter, lebih dari {1}"),
        ("no transition asks for a textarea '{}'", "tidak ada perpindahan yang meminta isian teks panjang '{0}'"),
        ("unknown trigger '{}'", "aksi '{0}' tidak dikenal"),
        ("transition '{}' asks for none of {}", "perpindahan '{0}' tidak meminta satu pun dari {1}"),
    ],
}

#: What `expect` says was expected (the first parameter of D101 "expected {}, found {}").
EXPECTED = {"a mapping": "pemetaan", "a list": "daftar", "text": "teks", "one name": "satu nama",
            "true or false": "true atau false", "state": "tahap", "role": "peran", "catalog": "katalog",
            "lane": "lajur"}

#: PyYAML's own words in D100 (the parser reports in English), as a person reads them in Indonesian.
YAML_PHRASES = (
    ("mapping values are not allowed here", "tanda ': ' tidak boleh ada di sini"),
    ("expected <block end>, but found '<block mapping start>'", "blok belum ditutup, tetapi ada kunci baru "
                                                                "(indentasi tidak cocok)"),
    ("expected <block end>, but found", "blok belum ditutup, tetapi ditemukan"),
    ("while parsing a block mapping", "saat membaca pemetaan"),
    ("while parsing a block collection", "saat membaca daftar"),
    ("while parsing a flow mapping", "saat membaca pemetaan { }"),
    ("while parsing a flow sequence", "saat membaca daftar [ ]"),
    ("while scanning a simple key", "saat membaca kunci"),
    ("could not find expected ':'", "tanda ':' yang diharapkan tidak ditemukan"),
    ("found character '\\t' that cannot start any token", "karakter tab tidak boleh dipakai (gunakan spasi)"),
    ("found unexpected end of stream", "berkas berakhir sebelum waktunya"),
    ("while scanning a quoted scalar", "saat membaca teks bertanda kutip"),
    ("did not find expected key", "kunci yang diharapkan tidak ditemukan"),
    ("did not find expected '-' indicator", "tanda '-' yang diharapkan tidak ditemukan"),
    ("did not find expected ',' or ']'", "tanda ',' atau ']' yang diharapkan tidak ditemukan"),
    ("did not find expected ',' or '}'", "tanda ',' atau '}' yang diharapkan tidak ditemukan"),
    ("could not determine a constructor for the tag", "tanda (tag) YAML tidak dikenal"),
)

#: Hints, part by part (English template, Indonesian template).
HINTS: list[tuple[str, str]] = [
    ("did you mean '{}'?", "maksud Anda '{0}'?"),
    ("also used on line(s) {}", "juga dipakai di baris {0}"),
    ("{} and {} more", "{0} dan {1} lainnya"),
    ("line {} is indented {} spaces and the line above it {}: keys of one mapping start in the same column "
     "(indent with spaces, two per level)",
     "baris {0} menjorok {1} spasi sedangkan baris di atasnya {2}: kunci-kunci dalam satu pemetaan harus mulai "
     "di kolom yang sama (gunakan spasi, dua per tingkat)"),
    ("check the indentation and quoting around this line", "periksa indentasi dan tanda kutip di sekitar baris ini"),
    ("remove the '!' tag; definitions use plain YAML values only",
     "hapus tanda '!'; definisi hanya memakai nilai YAML biasa"),
    ("a value containing ': ' must be quoted, e.g. label: \"Catatan: wajib\"",
     "nilai yang memuat ': ' harus diberi tanda kutip, mis. label: \"Catatan: wajib\""),
    ("write {amount: {}, unit: calendar_days}", "tulis {{amount: {0}, unit: calendar_days}}"),
    ("units: {}", "satuan: {0}"),
    ("write e.g. {amount: 7, unit: calendar_days}", "tulis mis. {{amount: 7, unit: calendar_days}}"),
    ("allowed keys: {}", "kunci yang boleh: {0}"),
    ("add '{}:' here", "tambahkan '{0}:' di sini"),
    ("write it as 'key: value' lines indented under this one",
     "tulis sebagai baris 'kunci: nilai' yang menjorok di bawah baris ini"),
    ("write it as [a, b] or one '- item' per line", "tulis sebagai [a, b] atau satu '- butir' per baris"),
    ("write the text on one line, quoted if it contains ': ' or starts with [ or {",
     "tulis teksnya dalam satu baris, dengan tanda kutip bila memuat ': ' atau diawali [ atau {{"),
    ("write a single name, not a list or a mapping", "tulis satu nama saja, bukan daftar atau pemetaan"),
    ("write true or false (YAML reads 'ya' or 'tidak' as text)",
     "tulis true atau false (YAML membaca 'ya' atau 'tidak' sebagai teks)"),
    ("use lower-case letters, digits and underscores, starting with a letter",
     "gunakan huruf kecil, angka dan garis bawah, diawali huruf"),
    ("keep long explanations in the SOP document and a short description here",
     "simpan penjelasan panjang di dokumen SOP dan uraian singkat di sini"),
    ("start from definitions/pengaduan-ptsp.yaml", "mulailah dari definitions/pengaduan-ptsp.yaml"),
    ("remove or rename one of them", "hapus atau ganti nama salah satunya"),
    ("write one 'template_key: {label: ...}' line per template",
     "tulis satu baris 'kunci_templat: {{label: ...}}' per templat"),
    ("1 is the first supervisor escalated to (Kepala Seksi), 2 the next, and so on",
     "1 adalah pimpinan pertama tujuan eskalasi (Kepala Seksi), 2 berikutnya, dan seterusnya"),
    ("list the states the move starts from; an explicit list keeps the SOP readable",
     "sebutkan tahap-tahap asal perpindahan; daftar yang tegas membuat SOP mudah dibaca"),
    ("types: {}", "jenis: {0}"),
    ("add 'catalog: <key>' or 'options: [a, b]'", "tambahkan 'catalog: <kunci>' atau 'options: [a, b]'"),
    ("options: {}", "pilihan: {0}"),
    ("write e.g. 'max_length: 300' (characters)", "tulis mis. 'max_length: 300' (karakter)"),
    ("write {name: field_in, field: tingkat, values: [sedang, berat]}",
     "tulis {{name: field_in, field: tingkat, values: [sedang, berat]}}"),
    ("write e.g. {notify: {to: [pemohon], template: jawaban}}",
     "tulis mis. {{notify: {{to: [pemohon], template: jawaban}}}}"),
    ("effects: {}", "efek: {0}"),
    ("write e.g. {clock: {start: opd_ack}}", "tulis mis. {{clock: {{start: opd_ack}}}}"),
    ("see the effect table in definitions/README.md", "lihat tabel efek di definitions/README.md"),
    ("write {at: 100%, escalate_to: kepala_seksi}", "tulis {{at: 100%, escalate_to: kepala_seksi}}"),
    ("write one 'option: Label' per line", "tulis satu baris 'pilihan: Label' per pilihan"),
    ("write e.g. 'at: 80%'", "tulis mis. 'at: 80%'"),
    ("{}s: {}", "{0}: {1}"),
    ("recipients: pemohon, assignee, opd, escalation_target, role:<role>, user:<username>, "
     "field:<email or phone field>, agency:<opd field>",
     "penerima: pemohon, assignee, opd, escalation_target, role:<peran>, user:<nama pengguna>, "
     "field:<isian surel atau telepon>, agency:<isian opd>"),
    ("keep 'initial: true' only on the intake state", "biarkan 'initial: true' hanya pada tahap penerimaan"),
    ("mark the intake state with 'initial: true'", "tandai tahap penerimaan dengan 'initial: true'"),
    ("add 'roles: [petugas]'", "tambahkan 'roles: [petugas]'"),
    ("add 'roles: [opd_liaison]'", "tambahkan 'roles: [opd_liaison]'"),
    ("guards: {}", "syarat: {0}"),
    ("see the guard table in definitions/README.md", "lihat tabel syarat (guard) di definitions/README.md"),
    ("write {assign: {role: tim}}", "tulis {{assign: {{role: tim}}}}"),
    ("write {assign_opd: {field: opd}} or {assign_opd: {clear: true}}",
     "tulis {{assign_opd: {{field: opd}}}} atau {{assign_opd: {{clear: true}}}}"),
    ("write {clock: {start: opd_ack}}", "tulis {{clock: {{start: opd_ack}}}}"),
    ("declare it under 'clocks'", "deklarasikan di bawah 'clocks'"),
    ("write {set: {field: hasil, value: dijawab}}", "tulis {{set: {{field: hasil, value: dijawab}}}}"),
    ("write {notify: {to: [pemohon], template: jawaban}}", "tulis {{notify: {{to: [pemohon], template: jawaban}}}}"),
    ("templates: {}", "templat: {0}"),
    ("remove one, or give each a guard that excludes the other",
     "hapus salah satu, atau beri masing-masing syarat yang meniadakan yang lain"),
    ("add a rung such as {at: 100%, escalate_to: kepala_seksi}",
     "tambahkan anak tangga seperti {{at: 100%, escalate_to: kepala_seksi}}"),
    ("name another field of the record, e.g. parent: sektor", "sebutkan isian lain dari rekaman, mis. parent: sektor"),
    ("remove one of them; a form cannot have two fields with the same name",
     "hapus salah satunya; formulir tidak boleh punya dua isian bernama sama"),
    ("add '{}' to the top-level 'catalogs' list", "tambahkan '{0}' ke daftar 'catalogs' di tingkat teratas"),
    ("add it to the office's agencies ('alur agencies add' or the console's Instansi page), or fix the code",
     "tambahkan ke daftar instansi kantor ('alur agencies add' atau halaman Instansi di konsol), atau perbaiki "
     "kodenya"),
    ("add e.g. 'outcome: answered' (answered, resolved_by_explanation, transferred, rejected, withdrawn…)",
     "tambahkan mis. 'outcome: answered' (answered, resolved_by_explanation, transferred, rejected, withdrawn…)"),
    ("declare it in 'record' or in a transition's inputs", "deklarasikan di 'record' atau di inputs suatu perpindahan"),
    ("declare an input of type opd with that name", "deklarasikan input berjenis opd dengan nama itu"),
    ("declare it in the transition's inputs", "deklarasikan di inputs perpindahan itu"),
    ("roles: {}", "peran: {0}"),
    ("write user:<username or id>, e.g. user:sekretaris_kadis",
     "tulis user:<nama pengguna atau id>, mis. user:sekretaris_kadis"),
    ("remove 'terminal: true' or move those transitions", "hapus 'terminal: true' atau pindahkan perpindahan itu"),
    ("add a transition into it, or remove it", "tambahkan perpindahan menuju tahap itu, atau hapus tahapnya"),
    ("escalate to a role with supervisor_level (Kepala Seksi, Kepala Bidang, Kepala Dinas)",
     "eskalasikan ke peran yang punya supervisor_level (Kepala Seksi, Kepala Bidang, Kepala Dinas)"),
    ("make the guards exclusive, e.g. field_in on disjoint values",
     "buat syaratnya saling meniadakan, mis. field_in dengan nilai yang tidak beririsan"),
    ("add a transition out of it, or mark it 'terminal: true' with an outcome",
     "tambahkan perpindahan keluar darinya, atau tandai 'terminal: true' dengan hasil akhir"),
    ("triggers: {}", "aksi: {0}"),
    ("order the ladder from the earliest warning to the last escalation",
     "urutkan tangga dari peringatan paling awal sampai eskalasi terakhir"),
    ("write the answer an officer starts from (they edit it before sending)",
     "tulis jawaban awal bagi petugas (mereka menyuntingnya sebelum dikirim)"),
    ("name a textarea input of a transition, e.g. jawaban",
     "sebutkan input teks panjang suatu perpindahan, mis. jawaban"),
    ("name a transition's trigger", "sebutkan aksi suatu perpindahan"),
    ("add the field to its inputs, or leave the trigger out",
     "tambahkan isian itu ke inputs-nya, atau keluarkan aksinya"),
    ("remove date_rule, or make the field {type: date}", "hapus date_rule, atau jadikan isiannya {{type: date}}"),
    ("name a date field the ticket carries, e.g. an input of the transition that schedules it",
     "sebutkan isian tanggal pada pengaduan, mis. input perpindahan yang menjadwalkannya"),
    ("days: {}", "hari: {0}"),
    ("name a field of type date or datetime", "sebutkan isian berjenis date atau datetime"),
    ("give the handoff a state of its own to wait in, and another state to go on to",
     "beri penyerahan itu tahap tunggu sendiri, dan tahap lain untuk kelanjutannya"),
    ("declare an input of type opd (or multichoice over an agency catalog) on the transition that hands the "
     "ticket over",
     "deklarasikan input berjenis opd (atau multichoice atas katalog instansi) pada perpindahan yang menyerahkan "
     "pengaduan"),
    ("make it {type: multichoice, catalog: opd} (several agencies) or {type: opd} (one)",
     "jadikan {{type: multichoice, catalog: opd}} (beberapa instansi) atau {{type: opd}} (satu)"),
    ("give each handoff its own acknowledge and answer clock",
     "beri setiap penyerahan tenggat terima dan tenggat jawab sendiri"),
    ("add 'start:' here, e.g. {open: true}; only a handoff's clocks start without one",
     "tambahkan 'start:' di sini, mis. {{open: true}}; hanya tenggat penyerahan yang mulai tanpa itu"),
    ("write {to: [assignee], template: tugas_baru}", "tulis {{to: [assignee], template: tugas_baru}}"),
    ("name an input of the transition that hands over", "sebutkan input perpindahan yang menyerahkan"),
    ("give each handoff its own waiting state", "beri setiap penyerahan tahap tunggu sendiri"),
    ("add the input {name: {}, type: multichoice, catalog: opd, required: true}",
     "tambahkan input {{name: {0}, type: multichoice, catalog: opd, required: true}}"),
    ("remove start/stop/pause/from_date from clocks.{}: the handoff starts and stops it for each agency",
     "hapus start/stop/pause/from_date dari clocks.{0}: penyerahan itu yang memulai dan menghentikannya untuk "
     "setiap instansi"),
    ("name a field of the record or of a transition's inputs", "sebutkan isian rekaman atau inputs suatu perpindahan"),
    ("add 'id: |' with 'Subject: ...', a blank line and the message; 'en' is optional",
     "tambahkan 'id: |' berisi 'Subject: ...', satu baris kosong dan pesannya; 'en' boleh tidak ada"),
    ("field: needs an email or phone field (the address to write to); agency: needs an opd field",
     "field: memerlukan isian surel atau telepon (alamat tujuan); agency: memerlukan isian opd"),
    ("start the text with 'Subject: <subject>' and an empty line, as the files in notifications/templates/ do",
     "awali teks dengan 'Subject: <judul>' dan satu baris kosong, seperti berkas di notifications/templates/"),
    ("declare it under 'outcomes:' or use a category: {}",
     "deklarasikan di bawah 'outcomes:' atau pakai kategori: {0}"),
    ("categories: {}", "kategori: {0}"),
    ("rename the outcome (e.g. '{}_lokal') or write 'category: {}'",
     "ganti nama hasil akhirnya (mis. '{0}_lokal') atau tulis 'category: {1}'"),
]


def _pattern(template: str) -> re.Pattern:
    parts = template.split("{}")
    return re.compile("^" + "(.+?)".join(re.escape(p) for p in parts) + "$", re.S)


@lru_cache(maxsize=1)
def _compiled() -> tuple[dict[str, list[tuple[re.Pattern, str]]], list[tuple[re.Pattern, str]]]:
    messages = {code: [(_pattern(en), id_) for en, id_ in pairs] for code, pairs in MESSAGES.items()}
    hints = [(_pattern(en), id_) for en, id_ in HINTS]
    return messages, hints


def _word(value: str) -> str:
    if value in EXPECTED:
        return EXPECTED[value]
    for english, indonesian in YAML_PHRASES:
        value = value.replace(english, indonesian)
    return value


def _fill(template: str, values: tuple[str, ...]) -> str:
    return template.format(*(_word(v) for v in values))


def message_id(code: str, message: str) -> str | None:
    """The Indonesian text of one English message of ``code``, or None when the catalog has none."""
    for pattern, target in _compiled()[0].get(code, ()):
        found = pattern.match(message)
        if found:
            return _fill(target, found.groups())
    return None


def _whole_hint(hint: str) -> str | None:
    """A hint whose own text holds "; " (one catalog entry), never a value stretched over two parts."""
    for pattern, target in _compiled()[1]:
        found = pattern.match(hint)
        if found and not any("; " in value for value in found.groups()):
            return _fill(target, found.groups())
    return None


def hint_id(hint: str) -> str | None:
    """The Indonesian text of a hint: the whole hint when the catalog has it, else each "; "-separated part on
    its own (a suggestion, then a list); None when a part has no entry."""
    whole = _whole_hint(hint) if "; " in hint else None
    if whole is not None:
        return whole
    out = []
    for part in hint.split("; "):
        text = None
        for pattern, target in _compiled()[1]:
            found = pattern.match(part)
            if found:
                text = _fill(target, tuple(hint_id(v) or v if " " in v else v for v in found.groups()))
                break
        if text is None:
            return None
        out.append(text)
    return "; ".join(out)


def translate(problem: DefinitionProblem, locale: str = "id") -> DefinitionProblem:
    """The problem with its message and hint in ``locale`` (English as reported when it has no entry)."""
    if locale != "id":
        return problem
    message = message_id(problem.code, problem.message) or problem.message
    hint = (hint_id(problem.hint) or problem.hint) if problem.hint else ""
    return replace(problem, message=message, hint=hint)


def format_problem(problem: DefinitionProblem, locale: str = "en") -> str:
    """One problem as the command line prints it (``file:line:column: CODE message``, then the hint), in
    ``locale``; English is `DefinitionProblem.__str__` unchanged."""
    if locale != "id":
        return str(problem)
    shown = translate(problem, locale)
    text = f"{shown.location()}: {shown.code} {shown.message}"
    if shown.path:
        text += f" (di {shown.path})"
    if shown.hint:
        text += f"\n    saran: {shown.hint}"
    return text


__all__ = ["format_problem", "LOCALES", "MESSAGES", "HINTS", "translate", "message_id", "hint_id"]
