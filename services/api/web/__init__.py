"""The web pages of the workforce register (docs/interface.md §11): the secured Dimona
online service as seeds 002 and 004 show it, served by the HTTP edge on the API's port.

- `session.py`: sign-in with a declarant's (or an auditor's) credentials, the session
  cookie, the employer chosen, CSRF tokens, expiry and lock-out;
- `i18n.py` and `messages/*.json`: the labels in Dutch, French, German and English, one file
  per part of the site;
- `pages.py`: the Jinja2 templates (`templates/`) and what every page shows;
- `deps.py`: the session, the employer chosen, a form's CSRF check, the error pages;
- `declare.py`: a page's fields declared through intake's use case, errors by field;
- `forms.py`: what the write pages share (fields, references, confirmations);
- `routes/`: one router per tab or part: home (sign-in, employer), employees (the add
  wizard), search, periods, declarations, quota, multi (Multi-Dimona), registrations,
  flexi, ebox, audit, confirmation, declare_unsecured.

Every write goes through intake's use case as the REST API's do, with the "secured web"
channel (`Principal.web`). Pages are server-rendered HTML that work without JavaScript.
"""
