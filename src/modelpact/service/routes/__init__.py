"""The application's routers, one module per concern; ``create_app`` includes them."""
