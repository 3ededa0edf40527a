"""API tokens moved to django-rest-knox, which stores only a hash of each. The old tokens were
kept in plain text by Django REST framework's authtoken app; they cannot be turned into hashes
that knox accepts (its tokens have another format), so they stop working, and their table, with
every key readable in it, is dropped. Create new tokens with `manage.py create_editor USERNAME
--event SLUG --token`."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("liveblog", "0006_counted_from_an_index")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
    ]
