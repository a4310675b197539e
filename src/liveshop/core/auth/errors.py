from liveshop.core.errors import Conflict, LiveshopError, NotAuthenticated


class UsernameTaken(Conflict):
    code = "username_taken"
    title = "That username is taken"


class BadCredentials(LiveshopError):
    status = 401
    code = "bad_credentials"
    title = "Wrong username or password"


class SessionExpired(NotAuthenticated):
    code = "session_expired"
    title = "Session expired or unknown; log in again"


class CsrfHeaderMissing(LiveshopError):
    status = 403
    code = "csrf_header_missing"
    title = "Cookie-authenticated writes need the X-Liveshop-CSRF header"
