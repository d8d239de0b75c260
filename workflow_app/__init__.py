"""The honors and recommendations workflow of a county federation of trade unions.

The application factory is ``workflow_app.app.create_app``; importing this package loads nothing else, so
any module of it can be imported on its own (the layers: docs/architecture.md)."""
