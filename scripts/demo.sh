#!/usr/bin/env bash
# Set everything up and run the app with the demo data on SQLite (or DATABASE_URL if set).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ ! -f .env ]; then
  key=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')
  cat > .env <<ENV
# Written by scripts/demo.sh for the local demo — see .env.example for every variable.
DEBUG=on
SECRET_KEY=$key
STAFF_OTP_REQUIRED=off
# The demo's issuer has fictitious PES V2 settings: titres go to the PES flow (B9).
PES_EXPORT=on
ENV
fi
PY=.venv/bin/python
$PY manage.py migrate --noinput
$PY manage.py charger_demo
PORT=${PORT:-8000}
$PY manage.py travailleur --queue-name default --worker-id demo-1 >var-worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
cat <<MSG

  servicecommun tourne sur http://127.0.0.1:$PORT/
    administration : http://127.0.0.1:$PORT/admin/
    portail        : http://127.0.0.1:$PORT/portail/
  Comptes de démonstration (mot de passe : demo-servicecommun) :
    dsi             agent de la DSI (administration)
    finances        responsable financier (campagnes de titres)
    mairie-redon    secrétariat de Redon
    mairie-allaire  secrétariat d'Allaire et de Saint-Jean-la-Poterie
  (Ctrl+C pour arrêter)

MSG
$PY manage.py runserver "127.0.0.1:$PORT"
