"""Public (token-less) links of this app: signed or unguessable, and expiring."""

urlpatterns: list = []
