"""On PostgreSQL, a GIN index on object_ids: "events about this record" among bulk events.

SQLite has no such index; there the lookup reads the bulk events of the record's type.
"""

from django.db import migrations


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS audit_auditevent_object_ids_gin "
            "ON audit_auditevent USING gin (object_ids jsonb_path_ops) WHERE object_id = ''"
        )


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS audit_auditevent_object_ids_gin")


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_readalert_auditevent_audit_audit_action_d1703a_idx_and_more")]

    operations = [migrations.RunPython(create, drop)]
