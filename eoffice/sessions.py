"""Flask's cookie session, switched off: the API authenticates every request by its bearer token and
keeps nothing in cookies. Flask would otherwise open the session of each request and of each Socket.IO
event (building a signing serializer to find that there is no cookie)."""

from __future__ import annotations

from flask.sessions import SessionInterface


class NoCookieSessions(SessionInterface):
    """flask.session is Flask's null session: empty, and writing to it raises."""

    def open_session(self, app, request):
        return None

    def save_session(self, app, session, response) -> None:
        return None
