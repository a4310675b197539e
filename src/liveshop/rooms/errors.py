from liveshop.core.errors import Conflict, NotFound


class RoomNotFound(NotFound):
    code = "room_not_found"
    title = "Room not found"


class BadRoomTransition(Conflict):
    code = "invalid_room_transition"
    title = "The room cannot make that change from its current status"


class RoomEnded(Conflict):
    code = "room_ended"
    title = "The show has ended"


class RoomNotLive(Conflict):
    code = "room_not_live"
    title = "This opens when the show goes live"
