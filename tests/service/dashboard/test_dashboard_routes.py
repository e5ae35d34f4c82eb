"""The dashboard over HTTP: access, CSRF, session cookie, escaping, caching, content."""

from __future__ import annotations

import hashlib
from http.cookies import SimpleCookie
from importlib import resources
from urllib.parse import quote

from fastapi.testclient import TestClient

from modelpact.ledger import open_store
from modelpact.ledger.keys import KeyStore
from modelpact.service.dashboard.routes import asset_url
from tests.service.dashboard._seed import XSS, Seeded
from tests.service.dashboard.conftest import csrf_of, log_in

PAGES = ["/", "/projects/churn", "/projects/churn/models/gbm",
         "/projects/churn/models/gbm/features/x"]


def test_pages_without_a_key_redirect_to_login(client: TestClient) -> None:
    for page in PAGES:
        response = client.get(page, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={page}"


def test_a_wrong_key_is_refused_and_gets_no_session(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"key": "mp_nope_x", "csrf": token},
                           follow_redirects=False)
    assert response.status_code == 401 and "unknown or revoked API key" in response.text
    assert "modelpact_session" not in response.cookies
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_needs_the_forms_csrf_token(client: TestClient, seeded: Seeded) -> None:
    client.get("/login")
    response = client.post("/login", data={"key": seeded.key, "csrf": "forged"},
                           follow_redirects=False)
    assert response.status_code == 403
    fresh = TestClient(client.app)  # no CSRF cookie at all
    response = fresh.post("/login", data={"key": seeded.key, "csrf": "x"},
                          follow_redirects=False)
    assert response.status_code == 403


def test_session_cookie_is_httponly_samesite_signed(client: TestClient,
                                                    seeded: Seeded) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"key": seeded.key, "csrf": token, "next": "/"},
                           follow_redirects=False)
    raw = next(h for h in response.headers.get_list("set-cookie")
               if h.startswith("modelpact_session="))
    cookie = SimpleCookie()
    cookie.load(raw)
    morsel = cookie["modelpact_session"]
    assert morsel["httponly"] and morsel["samesite"].lower() == "lax"
    assert seeded.key not in raw  # only the key's hash is in the cookie
    assert client.get("/").status_code == 200
    value = morsel.value
    tampered = value[:-1] + ("0" if value[-1] != "0" else "1")
    client.cookies.clear()
    client.cookies.set("modelpact_session", tampered)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_key_shows_only_its_project(client: TestClient, seeded: Seeded) -> None:
    log_in(client, seeded.other_key)  # fraud's key
    page = client.get("/").text
    assert 'href="/projects/fraud"' in page and "/projects/churn" not in page
    refused = client.get("/projects/churn/models/gbm")
    assert refused.status_code == 403 and "churn" in refused.text
    assert client.get("/projects/nosuch").status_code == 403  # no probing for names
    log_in(client, seeded.key)  # a second key adds its project to the session
    page = client.get("/").text
    assert 'href="/projects/fraud"' in page and 'href="/projects/churn"' in page


def test_a_revoked_key_ends_the_session(client: TestClient, seeded: Seeded) -> None:
    with open_store(seeded.url, root=seeded.root) as store:
        info, key = KeyStore(store).create("churn")
    log_in(client, key)
    assert client.get("/projects/churn/models/gbm").status_code == 200
    with open_store(seeded.url, root=seeded.root) as store:
        KeyStore(store).revoke(info.prefix)
    assert client.get("/projects/churn/models/gbm", follow_redirects=False).status_code == 303


def test_a_project_without_captured_models_reads_not_monitored(client: TestClient,
                                                               seeded: Seeded) -> None:
    log_in(client, seeded.other_key)  # fraud: in the ledger, nothing captured
    page = client.get("/projects/fraud").text
    assert '<div class="verdict">not monitored</div>' in page


def test_bearer_key_works_for_pages(client: TestClient, seeded: Seeded) -> None:
    response = client.get("/projects/churn/models/gbm",
                          headers={"Authorization": f"Bearer {seeded.key}"})
    assert response.status_code == 200 and "Drift: features × chunks" in response.text


def test_logout_needs_the_session_token(client: TestClient, seeded: Seeded) -> None:
    log_in(client, seeded.key)
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert client.get("/").status_code == 200
    token = csrf_of(client.get("/").text)
    response = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_next_never_leaves_the_site(client: TestClient, seeded: Seeded) -> None:
    token = csrf_of(client.get("/login?next=//evil.example/x").text)
    response = client.post("/login", data={"key": seeded.key, "csrf": token,
                                           "next": "//evil.example/x"},
                           follow_redirects=False)
    assert response.headers["location"] == "/"


def test_feature_names_are_escaped_everywhere(client: TestClient, seeded: Seeded) -> None:
    log_in(client, seeded.key)
    model = client.get("/projects/churn/models/gbm").text
    assert XSS not in model
    assert "&lt;img src=x onerror=alert(1)&gt;" in model  # in the feature list, as text
    # inside the figure JSON, '<' is escaped for the HTML parser too
    assert "\\u003cimg" in model
    feature = client.get(f"/projects/churn/models/gbm/features/{quote(XSS, safe='')}")
    assert feature.status_code == 200 and XSS not in feature.text
    assert 'id="feature-name">&lt;img src=x onerror=alert(1)&gt;</h1>' in feature.text


def test_model_page_shows_the_decay_alerts_and_history(client: TestClient,
                                                       seeded: Seeded) -> None:
    log_in(client, seeded.key)
    page = client.get("/projects/churn/models/gbm").text
    assert 'id="model-state">alert<' in page
    for part in ('id="fig-heatmap"', 'id="fig-perf-0"', 'id="fig-alerts"', "roc_auc",
                 "realized_performance", "champion churn:1", "ana", "signed off"):
        assert part in page, part
    assert f"/projects/churn/verdicts/{seeded.verdict_id}" in page
    projects = client.get("/").text
    assert "churn:1" in projects and ">alert<" in projects
    assert client.get(f"/projects/churn/runs/{seeded.run_id}").status_code == 200
    verdict = client.get(f"/projects/churn/verdicts/{seeded.verdict_id}").text
    assert 'id="verdict-word">signed off<' in verdict and "0.840" in verdict
    assert "roc_auc &gt;= 0.7" in verdict and "holdout.parquet" in verdict


def test_unknown_model_and_feature_are_404_pages(client: TestClient, seeded: Seeded) -> None:
    log_in(client, seeded.key)
    assert client.get("/projects/churn/models/nosuch").status_code == 404
    assert client.get("/projects/churn/models/gbm/features/nosuch").status_code == 404
    assert client.get("/projects/churn/runs/nosuch").status_code == 404


def test_assets_come_from_the_app_cached_by_etag(client: TestClient) -> None:
    plotly = resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()
    url = asset_url("plotly.min.js")
    response = client.get(url)
    assert response.status_code == 200 and response.content == plotly
    assert "max-age=31536000" in response.headers["cache-control"]
    etag = response.headers["etag"]
    assert etag.strip('"') == hashlib.sha256(plotly).hexdigest()[:20]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/static/dashboard.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/..%2Fapp.py").status_code == 404
    assert client.get("/static/nosuch.js").status_code == 404


def test_pages_link_assets_never_inline_or_cdn(client: TestClient, seeded: Seeded) -> None:
    log_in(client, seeded.key)
    page = client.get("/projects/churn/models/gbm").text
    assert asset_url("plotly.min.js") in page and len(page) < 200_000
    assert "cdn" not in page.lower() and "https://" not in page


def test_the_latest_audit_renders_with_its_findings(client: TestClient, seeded: Seeded) -> None:
    log_in(client, seeded.key)
    project = client.get("/projects/churn").text
    assert 'id="audit-link" href="/projects/churn/audit"' in project
    page = client.get("/projects/churn/audit")
    assert page.status_code == 200 and 'id="audit-verdict">go with fixes<' in page.text
    assert "impute or drop it" in page.text and "no test set" in page.text
    assert XSS not in page.text and "column &#39;&lt;img src=x" in page.text
    log_in(client, seeded.other_key)
    assert client.get("/projects/fraud/audit").status_code == 404  # fraud has none
