"""The Slack bot token is encrypted at rest, like the data sources' credentials."""

from django.db import migrations, models


def encrypt(apps, schema_editor):
    from waypoint.lib import vault

    SlackLink = apps.get_model("integrations", "SlackLink")
    for link in SlackLink.objects.all():
        link.bot_token_secret = vault.encrypt({"token": link.bot_token}) if link.bot_token else ""
        link.save(update_fields=["bot_token_secret"])


class Migration(migrations.Migration):
    dependencies = [("integrations", "0009_delete_kpisource")]

    operations = [
        migrations.AddField(
            model_name="slacklink",
            name="bot_token_secret",
            field=models.TextField(default=""),
        ),
        migrations.RunPython(encrypt, migrations.RunPython.noop),
        migrations.RemoveField(model_name="slacklink", name="bot_token"),
    ]
