"""The dashboard's pages, its login and its static assets.

Pages are rendered on the server (Jinja2, autoescaped); charts are Plotly figures shipped as
JSON beside an empty ``<div>`` and drawn by ``dashboard.js`` with the plotly.js this
application serves itself (from the installed ``plotly`` package, cached by ETag, never from a
CDN). A page needs a session (log in with an API key) or ``Authorization: Bearer <key>``; a
person sees only the projects their keys grant.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated, Any, cast
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader
from sqlalchemy import Table, select

from modelpact.errors import ModelpactError
from modelpact.ledger import Store
from modelpact.ledger._tx import reading
from modelpact.ledger.capture import CaptureStore
from modelpact.ledger.capture_schema import ApiKeyRow
from modelpact.ledger.keys import hash_key
from modelpact.ledger.schema import ProjectRow
from modelpact.report.charts import chunk_label
from modelpact.service.context import Services, get_services
from modelpact.service.dashboard import analyses, views
from modelpact.service.dashboard.session import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    Signer,
    new_token,
)
from modelpact.service.errors import status_for

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
AppServices = Annotated[Services, Depends(get_services)]
_KEYS = cast(Table, ApiKeyRow.__table__)
_PROJECTS = cast(Table, ProjectRow.__table__)


# --------------------------------------------------------------------------- assets


@dataclass(frozen=True)
class Asset:
    """A static file held in memory with its ETag."""

    body: bytes
    media_type: str
    etag: str


def _plotly_js() -> bytes:
    return resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()


def _own(name: str) -> Callable[[], bytes]:
    return lambda: resources.files("modelpact.service.dashboard").joinpath(
        "static", name).read_bytes()


# A fixed table: no path is ever built from a request.
_SOURCES: dict[str, tuple[Callable[[], bytes], str]] = {
    "plotly.min.js": (_plotly_js, "text/javascript; charset=utf-8"),
    "dashboard.js": (_own("dashboard.js"), "text/javascript; charset=utf-8"),
    "dashboard.css": (_own("dashboard.css"), "text/css; charset=utf-8"),
}


@cache
def asset(name: str) -> Asset:
    """The static asset *name* (one of a fixed few)."""
    load, media_type = _SOURCES[name]
    body = load()
    return Asset(body, media_type, f'"{hashlib.sha256(body).hexdigest()[:20]}"')


def asset_url(name: str) -> str:
    """The asset's URL, versioned by its content so it can be cached for a year."""
    return f"/static/{name}?v={asset(name).etag.strip(chr(34))[:12]}"


@router.get("/static/{name}")
async def static(name: str, request: Request) -> Response:
    """A static asset with a year-long cache and an ETag (304 when the browser has it)."""
    if name not in _SOURCES:
        return Response("not found", status_code=404, media_type="text/plain")
    found = asset(name)
    headers = {"ETag": found.etag, "Cache-Control": "public, max-age=31536000, immutable"}
    if request.headers.get("if-none-match") == found.etag:
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)


# --------------------------------------------------------------------------- templates


def _url(text: object) -> str:
    return quote(str(text), safe="")


_TONES = {"good": ("signed_off", "pass", "go", "ok", "no_alert", "delivered", "finished",
                   "promote"),
          "bad": ("failed", "fail", "no_go", "alert", "critical", "blocking", "reject"),
          "warn": ("inconclusive", "go_with_fixes", "warning", "at risk", "at_risk", "pending",
                   "hold", "running")}


def tone(word: object) -> str:
    """The colour class of an outcome word: good, bad, warn or neutral."""
    return next((t for t, words in _TONES.items() if word in words), "neutral")


def _g(value: float | None, digits: int = 4) -> str:
    return "-" if value is None or value != value else f"{value:.{digits}g}"


def _signed(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or value != value else f"{value:+.{digits}g}"


def _pval(value: float | None) -> str:
    if value is None or value != value:
        return "-"
    if value < 1e-4:
        return "<1e-4"
    return f"{value:.2g}" if value < 0.01 else f"{value:.3f}"


@cache
def _env() -> Environment:
    env = Environment(loader=PackageLoader("modelpact.service.dashboard", "templates"),
                      autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.globals["asset_url"] = asset_url
    env.filters["u"] = _url
    env.filters["tone"] = tone
    env.filters["chunk"] = chunk_label
    env.filters["g"] = _g
    env.filters["signed"] = _signed
    env.filters["pval"] = _pval
    return env


def _render(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _env().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code,
                        headers={"Cache-Control": "no-store",
                                 "X-Content-Type-Options": "nosniff",
                                 "Referrer-Policy": "same-origin"})


# --------------------------------------------------------------------------- access


def _signer(request: Request) -> Signer:
    signer: Signer | None = getattr(request.app.state, "dashboard_signer", None)
    if signer is None:
        services: Services = request.app.state.services
        configured = services.settings.session_secret
        secret = configured.encode() if configured else secrets.token_bytes(32)
        signer = Signer(secret, SESSION_MAX_AGE)
        request.app.state.dashboard_signer = signer
    return signer


def _projects_of(store: Store, hashes: list[str]) -> list[str]:
    """Projects of the unrevoked keys with these hashes."""
    if not hashes:
        return []
    with reading(store.engine) as conn:
        rows = conn.execute(
            select(_PROJECTS.c.name).join(_KEYS, _KEYS.c.project_id == _PROJECTS.c.id)
            .where(_KEYS.c.key_hash.in_(hashes), _KEYS.c.revoked_at.is_(None))).all()
    return sorted({str(r.name) for r in rows})


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the projects their keys grant and the CSRF token of their forms."""

    projects: tuple[str, ...]
    csrf: str
    hashes: tuple[str, ...]


async def viewer(request: Request, services: AppServices) -> Viewer | None:
    """The logged-in viewer, from the session cookie or a bearer key; None without either."""
    hashes: list[str] = []
    csrf = ""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer ") and header[7:].strip():
        hashes = [hash_key(header[7:].strip())]
    else:
        session = _signer(request).loads(request.cookies.get(SESSION_COOKIE))
        if session is not None:
            hashes = [str(h) for h in session.get("keys", [])][:20]
            csrf = str(session.get("csrf", ""))
    projects = await run_in_threadpool(_projects_of, services.store, hashes)
    if not projects:
        return None
    return Viewer(tuple(projects), csrf, tuple(hashes))


Viewing = Annotated[Viewer | None, Depends(viewer)]


def _to_login(request: Request) -> Response:
    target = request.url.path
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def _error(viewer: Viewer | None, status: int, message: str) -> HTMLResponse:
    return _render("error.html.j2", status_code=status, viewer=viewer, status=status,
                   message=message)


async def _page(request: Request, who: Viewer | None, project: str | None, template: str,
                build: Callable[[], dict[str, Any]]) -> Response:
    """Render *template* with what *build* reads, once *who* may see *project*."""
    if who is None:
        return _to_login(request)
    if project is not None and project not in who.projects:
        # the same answer whether or not the project exists: no probing for names
        return _error(who, 403, f"your keys do not grant access to project '{project}'")
    try:
        context = await run_in_threadpool(build)
    except ModelpactError as exc:
        return _error(who, status_for(exc), str(exc))
    return _render(template, viewer=who, **context)


# --------------------------------------------------------------------------- login


def _safe_next(target: str) -> str:
    # only a path on this site: never an open redirect
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
async def login_form(request: Request, next: str = "/") -> Response:
    """The login form: paste an API key."""
    token = new_token()
    response = _render("login.html.j2", viewer=None, csrf=token, next=_safe_next(next),
                       error=None)
    response.set_cookie(CSRF_COOKIE, _signer(request).dumps({"csrf": token}), max_age=3600,
                        httponly=True, samesite="strict", path="/login")
    return response


def _form(body: bytes) -> dict[str, str]:
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


@router.post("/login")
async def login(request: Request, services: AppServices) -> Response:
    """Check the key and the form's CSRF token; start (or extend) the session."""
    form = _form(await request.body())
    signer = _signer(request)
    expected = (signer.loads(request.cookies.get(CSRF_COOKIE)) or {}).get("csrf")
    target = _safe_next(form.get("next", "/"))
    if not expected or not secrets.compare_digest(str(expected), form.get("csrf", "")):
        return _render("login.html.j2", status_code=403, viewer=None, csrf=new_token(),
                       next=target, error="the form expired; please try again")
    digest = hash_key(form.get("key", "").strip())
    if not await run_in_threadpool(_projects_of, services.store, [digest]):
        token = new_token()
        refused = _render("login.html.j2", status_code=401, viewer=None, csrf=token,
                          next=target, error="unknown or revoked API key")
        refused.set_cookie(CSRF_COOKIE, signer.dumps({"csrf": token}), max_age=3600,
                           httponly=True, samesite="strict", path="/login")
        return refused
    previous = signer.loads(request.cookies.get(SESSION_COOKIE)) or {}
    hashes = [*[h for h in previous.get("keys", []) if h != digest][:19], digest]
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, signer.dumps({"keys": hashes, "csrf": new_token()}),
                        max_age=SESSION_MAX_AGE, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")
    response.delete_cookie(CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, who: Viewing) -> Response:
    """End the session (the form's CSRF token must match the session's)."""
    form = _form(await request.body())
    if who is None or not who.csrf or not secrets.compare_digest(who.csrf,
                                                                 form.get("csrf", "")):
        return _error(who, 403, "logout refused: the form's token does not match the session")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --------------------------------------------------------------------------- pages


@router.get("/")
async def projects(request: Request, who: Viewing, services: AppServices) -> Response:
    """Every project the viewer may see, its lifecycle and monitoring state."""
    return await _page(request, who, None, "projects.html.j2", lambda: {
        "rows": views.project_rows(services.store, list(who.projects) if who else [])})


@router.get("/projects/{project}/models/{model}")
async def model(request: Request, project: str, model: str, who: Viewing,
                services: AppServices) -> Response:
    """A captured model: pact criteria, drift heatmap, performance, alerts, history."""
    def build() -> dict[str, Any]:
        return {**views.model_page(services.store, project, model),
                "analyses": analyses.analysis_rows(services.store, project)}

    return await _page(request, who, project, "model.html.j2", build)


@router.get("/projects/{project}/models/{model}/features/{feature}")
async def feature(request: Request, project: str, model: str, feature: str, who: Viewing,
                  services: AppServices) -> Response:
    """One feature of a model: drift statistics and distribution per chunk."""
    return await _page(request, who, project, "feature.html.j2",
                       lambda: views.feature_page(services.store, project, model, feature))


@router.get("/projects/{project}")
async def project(request: Request, project: str, who: Viewing,
                  services: AppServices) -> Response:
    """A project's captured models, or its lifecycle when it captures none."""

    def build() -> dict[str, Any]:
        rows = views.project_rows(services.store, [project])
        models = [m.name for m in CaptureStore(services.store).list_models(project)]
        runs = services.store.list_runs(project, limit=50)
        return {"rows": rows, "models": models, "project": project, "runs": runs,
                "analyses": analyses.analysis_rows(services.store, project),
                "retrainings": views.retraining_history(services.store, project)}

    return await _page(request, who, project, "project.html.j2", build)


@router.get("/projects/{project}/audit")
async def audit(request: Request, project: str, who: Viewing,
                services: AppServices) -> Response:
    """The project's latest data audit."""
    return await _page(request, who, project, "audit.html.j2",
                       lambda: views.audit_page(services.store, project))


@router.get("/projects/{project}/runs/{run_id}")
async def run(request: Request, project: str, run_id: str, who: Viewing,
              services: AppServices) -> Response:
    """A stored run."""
    return await _page(request, who, project, "run.html.j2",
                       lambda: views.run_page(services.store, project, run_id))


@router.get("/projects/{project}/verdicts/{verdict_id}")
async def verdict(request: Request, project: str, verdict_id: str, who: Viewing,
                  services: AppServices) -> Response:
    """A stored verdict."""
    return await _page(request, who, project, "verdict.html.j2",
                       lambda: views.verdict_page(services.store, project, verdict_id))


@router.get("/projects/{project}/comparisons/{analysis_id}")
async def comparison(request: Request, project: str, analysis_id: str, who: Viewing,
                     services: AppServices) -> Response:
    """A stored comparison, drawn as the offline comparison report draws it."""
    return await _page(request, who, project, "comparison.html.j2",
                       lambda: analyses.comparison_page(services.store, project, analysis_id))


@router.get("/projects/{project}/diffs/{analysis_id}")
async def diff(request: Request, project: str, analysis_id: str, who: Viewing,
               services: AppServices) -> Response:
    """A stored behaviour diff, drawn as the offline diff report draws it."""
    return await _page(request, who, project, "diff.html.j2",
                       lambda: analyses.diff_page(services.store, project, analysis_id))
