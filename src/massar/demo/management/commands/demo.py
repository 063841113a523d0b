from django.core.management.base import BaseCommand

from massar.demo.builder import build_demo, demo_exists, totp_now


class Command(BaseCommand):
    help = "Create the demo setting (idempotent) and print one login per role."

    def handle(self, *args, **options):
        existed = demo_exists()
        logins = build_demo()
        self.stdout.write("Demo " + ("already loaded." if existed else "loaded."))
        self.stdout.write("Demo logins (development only):")
        for a in logins.accounts:
            line = f"  {a['role']:<12} {a['identifier']:<42} password: {a['password']}"
            if a["totp_secret"]:
                line += (
                    f"  TOTP secret: {a['totp_secret']} (code now: {totp_now(a['totp_secret'])})"
                )
            self.stdout.write(line)
        if logins.accounts:
            self.stdout.write("  Codes change every 30 s: `massar demo` prints fresh ones.")
