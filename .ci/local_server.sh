# Sourced by the .ci scripts that need the local Baseten-compatible server
# (python -m langchain_baseten.testing, from the installed package or the checkout).
# start_local_server PYTHON DIR LOG: starts it with PYTHON from DIR, writing to LOG; sets
# server_pid and url (the server's first line) once it answers, or exits after 10 s.
start_local_server() {
    local python=$1 dir=$2 log=$3
    (cd "$dir" && exec "$python" -m langchain_baseten.testing >"$log" 2>&1) &
    server_pid=$!
    url=""
    for _ in $(seq 100); do
        url=$(head -n 1 "$log" 2>/dev/null || true)
        [[ "$url" == http://127.0.0.1:* ]] && return 0
        url=""
        sleep 0.1
    done
    echo "the local server did not start:"
    cat "$log"
    exit 1
}
