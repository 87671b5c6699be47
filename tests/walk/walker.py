"""Every page of the console and the public site, walked in Chromium as each role (tests/walk).

The pages are not a hand list: the walk starts from every GET route of the app's url_map that needs no
argument (so a page another engineer adds is walked too) and follows the links each page offers into routes
with arguments (a ticket, a definition version, a message), a few per route. Each page is checked once with
axe-core (axe-playwright-python) and its visible text is kept, so the accessibility test and the raw-code test
read the same walk.
"""
from __future__ import annotations

import os
import re
import shutil
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser import chromium, serve
from tests.web import PASSWORD, STAFF

#: Routes that are not pages a person reads: files, machine endpoints, language switches, downloads.
NOT_PAGES = {"static", "admin.static", "office_logo", "public.language", "auth.locale", "ops.healthz", "ops.metrics",
             "sop.mermaid", "sop.diagram", "audit.export", "reports.download", "work.attachment"}
DOWNLOAD = re.compile(r"\.(csv|xlsx|docx|pdf|json|jsonl|png|svg|mmd|zip)$")
PER_ROUTE = 3  # pages with arguments visited per route and role (tickets in different stages, a few tabs)
ROLES = tuple(os.environ["ALUR_WALK_ROLES"].split(",")) if os.environ.get("ALUR_WALK_ROLES") else tuple(STAFF)

#: Visible text of a page: each visible text node (trimmed), the document's title and language.
TEXT_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    const t = n.textContent.trim();
    if (!t || !el || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(el.tagName)) continue;
    if (el.closest('pre, code, textarea, kbd, samp')) continue;  // identifiers shown as code, the YAML editor
    if (el.tagName !== 'OPTION' && !el.checkVisibility({visibilityProperty: true})) continue;
    out.push(t);
  }
  return {texts: out, title: document.title, lang: document.documentElement.lang};
}"""


@dataclass
class Visit:
    role: str
    url: str
    endpoint: str
    status: int = 200
    title: str = ""
    lang: str = ""
    texts: list[str] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)


@dataclass
class Walk:
    visits: list[Visit]
    endpoints: dict[str, set[str]]  # endpoint -> roles that saw it
    app: object = None
    rt: object = None

    def pages(self) -> list[Visit]:
        return self.visits


@contextmanager
def demo_app(tmp: Path, template: Path) -> Iterator[tuple[object, object]]:
    """The shared web app's database with the demo office's profile, agencies and complaints recorded through
    the engine (admin/demo.py), at the engine's clock of now."""
    from admin.app import create_app
    from admin.demo import demo_data, seed_demo_tickets
    from workflow.runtime import build_runtime
    from workflow.services.agencies import import_agencies
    from workflow.services.office import load_profile_file
    from workflow.store.db import make_engine

    path = tmp / "alur.db"
    shutil.copy(template, path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ALUR_SECRET_KEY", "walk-tests")
        mp.setenv("ALUR_IDENTITY_SALT", "walk-tests")
        mp.setenv("ALUR_INSTANCE_PATH", str(tmp / "instance"))
        mp.setenv("ALUR_INSECURE_COOKIES", "1")
        engine = make_engine(f"sqlite:///{path}")
        rt = build_runtime(db=engine)
        now = datetime.now(timezone.utc)
        data = demo_data()
        if data["office"] is not None:
            load_profile_file(rt, data["office"], actor_id="demo", now=now)
            import_agencies(rt, data["office"], actor_id="demo", now=now)
        seed_demo_tickets(rt, now)
        app = create_app({"TESTING": True, "SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False}, runtime=rt)
        try:
            yield app, rt
        finally:
            engine.dispose()


def start_urls(app, console: bool) -> list[str]:
    """Every GET route without arguments, of the console (/admin/) or of the public site."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint in NOT_PAGES:
            continue
        if rule.rule.startswith("/api/"):
            continue
        if rule.rule.startswith("/admin") == console:
            urls.append(rule.rule)
    return sorted(urls)


def endpoint_of(app, url: str) -> str | None:
    parts = urlsplit(url)
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(parts.path, method="GET")
    except Exception:  # noqa: BLE001 - a redirect, 404 or 405: not a page of its own
        return None
    return endpoint


def check(page, visit: Visit, axe) -> None:
    seen = page.evaluate(TEXT_JS)
    visit.texts, visit.title, visit.lang = seen["texts"], seen["title"], seen["lang"]
    results = axe.run(page)
    visit.violations = [v for v in results.response["violations"] if v.get("impact") in ("critical", "serious")]


def crawl(page, base: str, app, role: str, starts: list[str], axe, visits: list[Visit],
          endpoints: dict[str, set[str]], console: bool) -> None:
    queue = [base + u for u in starts]
    seen_urls: set[str] = set()
    per_route: dict[str, int] = defaultdict(int)
    while queue:
        url = queue.pop(0)
        key = url.split("#")[0]
        if key in seen_urls:
            continue
        seen_urls.add(key)
        endpoint = endpoint_of(app, key[len(base):])
        if endpoint is None or endpoint in NOT_PAGES:
            continue
        if per_route[endpoint] >= PER_ROUTE:
            continue
        if DOWNLOAD.search(urlsplit(key).path):
            continue  # a file to save (CSV, spreadsheet, document), not a page
        try:
            response = page.goto(key)
        except PlaywrightError as exc:  # a route that answers with a download
            if "Download is starting" in str(exc):
                continue
            raise
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        landed = endpoint_of(app, page.url[len(base):]) if page.url.startswith(base) else None
        if response.status in (401, 403) or landed != endpoint:
            continue  # not this role's page (refused, or sent elsewhere: checked where it lands)
        per_route[endpoint] += 1
        visit = Visit(role, key[len(base):], endpoint, response.status)
        check(page, visit, axe)
        visits.append(visit)
        endpoints[endpoint].add(role)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urljoin(page.url, href)
            if not target.startswith(base) or target.split("#")[0] in seen_urls:
                continue
            if target[len(base):].startswith("/admin") != console:
                continue
            queue.append(target)


def login(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#alur-user")


def public_extras(page, base: str, app, axe, visits: list[Visit], endpoints) -> None:
    """Public pages reached by doing something: the form sent empty (its error summary and marked fields)."""
    page.goto(base + "/pengaduan/baru")
    page.click("form#form-pengaduan button[type=submit]")
    page.wait_for_load_state()
    visit = Visit("publik", "/pengaduan/baru (POST)", "public.new_complaint", 422)
    check(page, visit, axe)
    visits.append(visit)
    endpoints["public.new_complaint"].add("publik")
    for receipt, token in tracked(app):  # a complaint's tracking page, as its complainant sees it
        page.goto(f"{base}/lacak?resi={receipt}&token={token}")
        visit = Visit("publik", f"/lacak?resi={receipt}", "public.track")
        check(page, visit, axe)
        visits.append(visit)


def tracked(app) -> list[tuple[str, str]]:
    """Two complaints filed as the public form files them (the demo's record): one just received, one answered."""
    from admin.demo import demo_data
    from admin.public.status import PEMOHON
    from workflow.services.intake import file_complaint

    rt = app.extensions["alur"]
    data = demo_data()
    record = {**data["record"], "kanal": "website_sipeka", "perihal": "Status permohonan belum berubah",
              "email": "warga@contoh.id"}
    out = []
    for answered in (False, True):
        opened = file_complaint(rt, record, PEMOHON, definition_key=rt.intake_definition())
        if answered:
            from admin.demo import _actors

            petugas = _actors(rt)["petugas"]
            rt.engine.fire(opened.ticket.id, "verifikasi", petugas, {"tingkat": "ringan", "kewenangan": "dalam"})
            rt.engine.fire(opened.ticket.id, "jawab_langsung", petugas,
                           {"analisa": "Sinkronisasi tertunda.", "jawaban": "Status sudah diperbarui."})
            rt.engine.fire(opened.ticket.id, "arsipkan", petugas, {"nomor_arsip": "ARS/2026/118"})
            rt.engine.fire(opened.ticket.id, "sampaikan", petugas, {"media_jawaban": "website_sipeka"})
        out.append((opened.ticket.receipt_no, opened.token))
    return out


def walk_site(app, rt) -> Walk:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    visits: list[Visit] = []
    endpoints: dict[str, set[str]] = defaultdict(set)
    with serve(app, "walk") as base, chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
        page = context.new_page()
        page.set_default_timeout(20000)
        crawl(page, base, app, "publik", start_urls(app, console=False), axe, visits, endpoints, console=False)
        public_extras(page, base, app, axe, visits, endpoints)
        context.close()
        for role in ROLES:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
            page = context.new_page()
            page.set_default_timeout(20000)
            login(page, base, role)
            crawl(page, base, app, role, start_urls(app, console=True), axe, visits, endpoints, console=True)
            context.close()
    return Walk(visits, endpoints, app, rt)
