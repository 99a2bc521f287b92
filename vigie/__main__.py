from vigie.cli import app

app(prog_name="vigie")
