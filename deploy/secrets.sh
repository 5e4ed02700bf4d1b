# shellcheck shell=bash
# syncdesk's secrets in production, for bash scripts to source: scripts/run-server (systemd,
# SYNCDESK_ENV=production) and deploy/entrypoint (the Docker images). Two functions:
#
#   read_secret_files   NAME_FILE=/path -> NAME=<the file's content> for every secret NAME: one
#                       ending in _PASSWORD, _TOKEN, _KEY or _SECRET, or SYNCDESK_DB_URL or
#                       SYNCDESK_SMTP_URL (URLs with a password). For Docker secrets
#                       (/run/secrets/...) and systemd credentials. Such a NAME is required.
#   refuse_default_secrets NAME...
#                       exit 78 if a required secret, or one of NAME..., is empty, or if any
#                       variable holds a placeholder (change-me...) of deploy/.env.example.
#
# Secrets travel in the environment or in files, never on a command line (`ps` shows those to
# every user). Messages name the variable, never its value.

SECRET_NAME_PATTERN='^([A-Z][A-Z0-9_]*_(PASSWORD|TOKEN|KEY|SECRET)|SYNCDESK_DB_URL|SYNCDESK_SMTP_URL)$'
REQUIRED_SECRETS=()

read_secret_files() {
  local file_var name path
  while IFS= read -r file_var; do
    name=${file_var%_FILE}
    [[ $name =~ $SECRET_NAME_PATTERN ]] || continue
    path=${!file_var}
    if [ ! -r "$path" ]; then
      echo "syncdesk: $file_var names $path, which cannot be read." >&2
      exit 78
    fi
    # The file's content without its final newline (files written by `echo` end in one).
    printf -v "$name" '%s' "$(<"$path")"
    export "${name?}"
    unset "$file_var"
    REQUIRED_SECRETS+=("$name")
  done < <(compgen -e | grep -E '^[A-Z][A-Z0-9_]*_FILE$' || true)
}

refuse_default_secrets() {
  local name bad=()
  for name in "${REQUIRED_SECRETS[@]}" "$@"; do
    if [ -z "${!name:-}" ]; then
      bad+=("$name (empty)")
    fi
  done
  while IFS= read -r name; do
    case ${!name} in
      *change-me*) bad+=("$name (still the example's change-me value)") ;;
    esac
  done < <(compgen -e)
  if [ ${#bad[@]} -gt 0 ]; then
    echo "syncdesk: refusing to start in production with default or empty secrets:" >&2
    printf '  %s\n' "${bad[@]}" >&2
    echo "Set each one in the environment or in a file named by NAME_FILE (deploy/README.md)." >&2
    exit 78  # EX_CONFIG
  fi
}
