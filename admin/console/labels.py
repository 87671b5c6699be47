"""Labels for every code a person sees in the console (issue 14, item 6): the audit log's kinds, the actors'
roles, states and triggers of any definition version, the notification templates, delivery statuses and the
engine's own values (identity protection). A definition's codes are labelled by the definition itself; the
codes built into alur are labelled here, in Indonesian and English. A code nobody labelled is shown as it is,
and the walk of every page (tests/walk) fails on it.
"""
from __future__ import annotations

from typing import Any

from workflow.errors import AlurError
from workflow.services import users

from ..roles import role_labels
from . import common

#: Labels of the codes alur itself defines: kind of code -> code -> (Indonesian, English).
BUILT_IN: dict[str, dict[str, tuple[str, str]]] = {
    "kind": {
        "open": ("Pengaduan dicatat", "Complaint recorded"), "transition": ("Pindah tahap", "Stage change"),
        "publish": ("Definisi diterbitkan", "Definition published"),
        "migrate": ("Pindah versi definisi", "Moved to another definition version"),
        "import": ("Impor data lama", "Historical import"), "clock": ("Tenggat", "Deadline"),
        "escalation": ("Eskalasi", "Escalation"), "calendar": ("Kalender kerja", "Working calendar"),
        "identity_view": ("Identitas dilihat", "Identity viewed"), "merge": ("Duplikat digabung", "Duplicate merged"),
        "notification": ("Pemberitahuan", "Notification"), "system": ("Kejadian sistem", "System event"),
        "handoff": ("Penyerahan ke instansi", "Agency hand-over"), "office": ("Profil kantor", "Office profile"),
        "agency": ("Instansi", "Agency"), "user": ("Akun pengguna", "User account"),
        "report": ("Laporan evaluasi", "Evaluation report"),
        "assignment": ("Penugasan", "Assignment"), "note": ("Catatan internal", "Internal note"),
    },
    "role": {
        "system": ("Sistem", "System"), "cli": ("Baris perintah", "Command line"),
        "pemohon": ("Pengadu", "Complainant"),
        "api": ("Integrasi", "Integration"), "demo": ("Data contoh", "Demo data"), "sweep": ("Sistem", "System"),
    },
    "kerahasiaan": {"biasa": ("Biasa", "Normal"), "anonim": ("Anonim", "Anonymous"),
                    "rahasia": ("Rahasia", "Confidential")},
    "delivery": {"queued": ("Menunggu", "Queued"), "sent": ("Terkirim", "Sent"), "failed": ("Gagal", "Failed"),
                 "skipped": ("Dilewati", "Skipped"), "retrying": ("Dicoba lagi", "Retrying")},
    "template": {
        "tanda_terima": ("Tanda terima", "Receipt"),
        "minta_kelengkapan": ("Permintaan kelengkapan", "Request for information"),
        "jawaban": ("Jawaban", "Answer"), "konfirmasi_penutupan": ("Konfirmasi penutupan", "Closing confirmation"),
        "diteruskan_opd": ("Diteruskan ke OPD", "Forwarded to an agency"),
        "serah_opd": ("Penyerahan ke OPD", "Agency hand-over"),
        "pengalihan_instansi": ("Pengalihan ke instansi lain", "Transfer to another agency"),
        "eskalasi": ("Eskalasi", "Escalation"), "peringatan_tenggat": ("Peringatan tenggat", "Deadline warning"),
        "tugas_baru": ("Tugas baru", "New task"),
        "_penutup_pemohon": ("Penutup untuk pengadu", "Closing for the complainant"),
        "_penutup_petugas": ("Penutup untuk petugas", "Closing for officers"),
    },
    "channel": {"email": ("Surel", "Email"), "webhook": ("Webhook", "Webhook"), "in_app": ("Kotak masuk", "Inbox"),
                "whatsapp": ("WhatsApp", "WhatsApp"), "sms": ("SMS", "SMS"), "none": ("Tidak ada", "None")},
}


def code_label(kind: str, code: Any) -> str:
    """The label of one of alur's own codes; the code itself when it has none."""
    if code in (None, ""):
        return "–"
    found = BUILT_IN.get(kind, {}).get(str(code))
    return common.tr(*found) if found else str(code)


def role_label(role: str | None) -> str:
    if not role:
        return ""
    if role in BUILT_IN["role"]:
        return code_label("role", role)
    from workflow.services.roles import role_directory

    labels = common._per_request("_alur_role_labels", lambda: role_labels(role_directory(common.runtime())))
    return common.tr(*labels[role])


def actor_label(actor_id: str | None, actor_role: str | None = None) -> str:
    """Who did something, as people say it: the account's name and the role it acted in ("Rina · Petugas
    Layanan Pengaduan"); the system, the command line and the complainant by their labels."""
    if actor_id in (None, "") or actor_id in BUILT_IN["role"] and actor_role in (None, "", actor_id):
        return role_label(actor_role or actor_id or "system")
    if actor_id in BUILT_IN["role"]:  # the system acting for a role ("system" as admin): say both
        return f"{role_label(actor_id)} · {role_label(actor_role)}"
    names = common._per_request("_alur_user_names", lambda: {
        u.username: u.display_name or u.username for u in users.list_users(common.runtime().store)})
    name = names.get(actor_id, actor_id)
    role = role_label(actor_role)
    return f"{name} · {role}" if role and role != name else name


def _definition(key: str | None, version: int | None):
    if not key:
        return None
    try:
        return common.runtime().engine.definition(key, version)
    except (AlurError, KeyError, TypeError):
        return None


def state_label_of(key: str | None, version: int | None, state: str | None) -> str:
    """A state of a definition version by its label (in the request's language)."""
    if not state:
        return ""
    d = _definition(key, version)
    found = d.states.get(state) if d is not None else None
    if found is None:
        return state
    return (found.label_en or found.label) if common.lang() == "en" else found.label


def trigger_label_of(key: str | None, version: int | None, trigger: str | None) -> str:
    """A transition's trigger of a definition version by its label (the first transition that names it)."""
    if not trigger:
        return ""
    d = _definition(key, version)
    named = d.transitions_named(trigger) if d is not None else ()
    if not named:
        for handoff in (d.handoffs.values() if d is not None else ()):
            if trigger in (handoff.acknowledge, handoff.answer):
                return (handoff.label_en or handoff.label) if common.lang() == "en" else handoff.label
        return trigger
    first = named[0]
    return (first.label_en or first.label) if common.lang() == "en" else first.label


def field_label_of(key: str | None, version: int | None, name: str | None) -> str:
    """A record field of a definition version by its label ("Nama pengadu" for ``nama``)."""
    if not name:
        return ""
    d = _definition(key, version)
    found = d.record_field(name) if d is not None else None
    return common.field_label(found) if found is not None else name


def file_size(size: int | float) -> str:
    """A file's size as people read it in the page's language: "178 B", "1,2 KB", "3,4 MB"."""
    size = float(size or 0)
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            text = f"{size:.0f}" if unit == "B" else f"{size:.1f}"
            return f"{text.replace('.', ',') if common.lang() == 'id' else text} {unit}"
        size /= 1024
    return ""


def init_app(app) -> None:
    for function in (field_label_of, file_size, code_label, role_label, actor_label, state_label_of, trigger_label_of):
        app.jinja_env.globals[function.__name__] = function


__all__ = ["BUILT_IN", "field_label_of", "file_size", "code_label", "role_label", "actor_label", "state_label_of",
           "trigger_label_of", "init_app"]
