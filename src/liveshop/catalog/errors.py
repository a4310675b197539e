from liveshop.core.errors import Conflict, NotFound, PermissionDenied


class ShopNotFound(NotFound):
    code = "shop_not_found"
    title = "Shop not found"


class ProductNotFound(NotFound):
    code = "product_not_found"
    title = "Product not found"


class NotShopStaff(PermissionDenied):
    code = "not_shop_staff"
    title = "You have no role in this shop that allows this"


class UserNotFound(NotFound):
    code = "user_not_found"
    title = "No user with that username"


class InsufficientProductStock(Conflict):
    code = "insufficient_product_stock"
    title = "The product does not have that much stock left"
