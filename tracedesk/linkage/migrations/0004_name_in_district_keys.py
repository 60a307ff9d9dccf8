from django.db import migrations


def index_names_in_districts(apps, schema_editor):
    """Give every person stored before the ``nd`` key (full name + postcode district) that key,
    from their own postcode (people known by a name alone have none to give)."""
    from tracedesk.lib.matching import PersonRecord, blocking_keys
    from tracedesk.lib.matching.blocking import NAME_IN_DISTRICT

    Person = apps.get_model("people", "Person")
    BlockingKey = apps.get_model("linkage", "BlockingKey")
    rows = []
    people = Person.objects.filter(address__isnull=False).values_list(
        "pk", "first_name", "last_name", "address__postcode"
    )
    for pk, first, last, postcode in people.iterator(chunk_size=2000):
        record = PersonRecord(first_name=first, last_name=last, postcode=postcode or "")
        rows.extend(
            BlockingKey(person_id=pk, key=key)
            for key in blocking_keys(record)
            if key.startswith(NAME_IN_DISTRICT)
        )
        if len(rows) >= 5000:
            BlockingKey.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    BlockingKey.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("linkage", "0003_household_proposals_match_decisions"),
    ]

    operations = [
        migrations.RunPython(index_names_in_districts, migrations.RunPython.noop, elidable=True),
    ]
