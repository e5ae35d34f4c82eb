"""The dashboard served under ``/``: every model against its pact, in the browser.

:mod:`~modelpact.service.dashboard.routes` holds the pages, login and static assets;
:mod:`~modelpact.service.dashboard.views` reads what each page shows from the ledger;
:mod:`~modelpact.service.dashboard.session` signs the session cookie.
"""
