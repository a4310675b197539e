from liveshop.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooManyRequests


class CommentBlocked(InvalidInput):
    code = "comment_blocked"
    title = "Your comment was not sent: it contains a word this room does not allow"


class Muted(PermissionDenied):
    code = "muted"
    title = "You are muted in this shop's rooms"


class Banned(PermissionDenied):
    code = "banned"
    title = "You are banned from this shop's rooms"


class FollowersOnly(PermissionDenied):
    code = "followers_only"
    title = "Chat is for followers of this shop right now: follow to join in"


class SlowMode(TooManyRequests):
    code = "slow_mode"
    title = "Slow mode is on: wait a moment before your next message"


class ChatRateLimited(TooManyRequests):
    code = "chat_rate_limited"
    title = "You are sending messages too fast"


class WordNotFound(NotFound):
    code = "banned_word_not_found"
    title = "No such banned word"


class WordListed(Conflict):
    code = "banned_word_exists"
    title = "That word is already on the list"


class SanctionNotFound(NotFound):
    code = "sanction_not_found"
    title = "No such active mute or ban"


class CommentNotFound(NotFound):
    code = "comment_not_found"
    title = "Comment not found"


class CannotSanctionStaff(Conflict):
    code = "cannot_sanction_staff"
    title = "Shop staff cannot be muted or banned in their own shop"
