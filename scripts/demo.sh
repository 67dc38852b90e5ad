#!/usr/bin/env bash
# Set everything up and run the app with the demo data on SQLite (or DATABASE_URL if set).
# PORT=8001 make demo serves on another port; the demo's e-mails are written as files.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8000}
etape() { printf '\n[%s/5] %s\n' "$1" "$2"; }

# A busy port is found before a minute of installation, not after.
port_occupe() {
  python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)
PY
}
if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
  echo "Erreur : PORT=$PORT n'est pas un numéro de port (1 à 65535)." >&2
  exit 1
fi
if port_occupe "$PORT"; then
  echo "Erreur : le port $PORT est déjà utilisé (une autre démo tourne peut-être encore)." >&2
  echo "Arrêtez-la (Ctrl+C dans son terminal) ou choisissez un autre port : PORT=8001 make demo" >&2
  exit 1
fi

etape 1 "Environnement Python (.venv) et dépendances — la première fois, une à deux minutes"
PIP_PROGRESS=1 scripts/setup.sh

etape 2 "Réglages locaux (.env)"
COURRIELS="$PWD/var/courriels"
mkdir -p "$COURRIELS"
if [ ! -f .env ]; then
  key=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')
  # The DGFiP's PES V2 schemas are not shipped: the PES flow is on only when they are found.
  pes=off
  schemas=${PES_SCHEMAS_DIR:-../shared/schemas/pes-v2-5.30}
  [ -f "$schemas/PES_V2/Rev0/PES_Aller.xsd" ] && pes=on
  cat > .env <<ENV
# Written by scripts/demo.sh for the local demo — see .env.example for every variable.
DEBUG=on
SECRET_KEY=$key
STAFF_OTP_REQUIRED=off
# The demo's issuer has fictitious PES V2 settings: with the DGFiP's schemas (PES_SCHEMAS_DIR),
# titres go to the PES flow (B9).
PES_EXPORT=$pes
ENV
  echo "  .env écrit (débogage, clé secrète aléatoire, sans second facteur, PES_EXPORT=$pes)."
else
  echo "  .env existant conservé."
fi
if ! grep -q '^EMAIL_URL=' .env; then
  printf '# The demo writes its e-mails as files in var/courriels/, never to the terminal.\nEMAIL_URL=filemail://\n' >> .env
fi

PY=.venv/bin/python
etape 3 "Base de données (migrations)"
$PY manage.py migrate --noinput --verbosity 0

etape 4 "Données de démonstration (31 communes, titres 2024 et 2025…)"
$PY manage.py charger_demo

etape 5 "Serveur web et tâches de fond"
mkdir -p var
# travailleur: db_worker that waits for the database and takes up its own interrupted tasks.
$PY manage.py travailleur --queue-name default --worker-id demo-1 >var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
cat <<MSG

  servicecommun tourne sur http://127.0.0.1:$PORT/
    administration : http://127.0.0.1:$PORT/admin/
    portail        : http://127.0.0.1:$PORT/portail/
  Comptes de démonstration (mot de passe : demo-servicecommun) :
    dsi             agent de la DSI et administrateur (accueil « à traiter », accès au portail)
    finances        responsable financier (campagnes de titres)
    mairie-redon    secrétariat de Redon
    mairie-allaire  secrétariat d'Allaire et de Saint-Jean-la-Poterie
  Courriels envoyés (invitations, avis aux membres) : un fichier par envoi dans
    $COURRIELS
  Journal des tâches de fond : var/worker.log
  (Ctrl+C pour arrêter ; un autre port : PORT=8001 make demo)

MSG
$PY manage.py runserver "127.0.0.1:$PORT"
