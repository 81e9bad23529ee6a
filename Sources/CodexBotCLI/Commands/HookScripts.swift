/// The git hooks `codex-bot hooks install` writes, kept in the binary so installing needs
/// no checkout of codex-bot. `hooks/pre-push` in the repository is the same text; a test
/// (HooksCommandTests) fails when the two differ, so edit both together.
enum HookScripts {
    /// `hooks/pre-push`.
    static let prePush = #"""
#!/bin/sh
# codex-bot pre-push hook: the local safety net (installed by `codex-bot hooks install`).
#
# Runs the tests before a push. When they fail, codex-bot tries a fix on a branch of its
# own, in a worktree (your working copy is not touched), records it with the local forge
# (no network), tells you how to review it, and stops the push.
#
# Settings, first found wins:
#   test command   CODEX_BOT_TEST_CMD, `git config codex-bot.testCmd`, or a one-line
#                  `test: ...` at the top level of .codex-bot.yml
#   codex-bot      CODEX_BOT (path of the binary), else `codex-bot` on PATH
#   skip           CODEX_BOT_SKIP=1 git push ...   (or git push --no-verify)
#
# git passes the remote's name and URL as arguments and the refs on stdin; the hook needs
# neither (git ignores SIGPIPE for pre-push, so stdin may stay unread).

if [ "${CODEX_BOT_SKIP:-}" = "1" ]; then
    echo "codex-bot: CODEX_BOT_SKIP=1, not running the tests before this push." >&2
    exit 0
fi

top=$(git rev-parse --show-toplevel) || exit 1
cd "$top" || exit 1

test_cmd=${CODEX_BOT_TEST_CMD:-}
if [ -z "$test_cmd" ]; then
    test_cmd=$(git config --get codex-bot.testCmd || true)
fi
if [ -z "$test_cmd" ] && [ -f .codex-bot.yml ]; then
    # Only the simple `test: command` form; a block or quoted scalar needs codex-bot.testCmd.
    test_cmd=$(sed -n 's/^test:[[:space:]]*\([^|>].*\)$/\1/p' .codex-bot.yml | head -n 1)
fi
if [ -z "$test_cmd" ]; then
    echo "codex-bot: no test command; set one with 'git config codex-bot.testCmd \"make test\"'." >&2
    echo "codex-bot: pushing without running tests." >&2
    exit 0
fi

state_dir="$(git rev-parse --git-common-dir)/codex-bot"
mkdir -p "$state_dir" || exit 1
log="$state_dir/pre-push-tests.log"
status_file="$state_dir/pre-push-tests.status"

echo "codex-bot: running the tests before the push: $test_cmd" >&2
# The status goes through a file: in `cmd | tee` the pipeline's status is tee's.
{ sh -c "$test_cmd" 2>&1; echo "$?" >"$status_file"; } | tee "$log" >&2
status=$(cat "$status_file" 2>/dev/null || echo 1)
if [ "$status" = "0" ]; then
    echo "codex-bot: tests pass." >&2
    exit 0
fi

echo "codex-bot: the tests failed (exit $status); the push is stopped. Full log: $log" >&2

bot=${CODEX_BOT:-codex-bot}
if ! command -v "$bot" >/dev/null 2>&1; then
    echo "codex-bot: '$bot' is not on PATH, so no fix was tried. Install codex-bot, or set CODEX_BOT=/path/to/codex-bot." >&2
    exit 1
fi

base=$(git symbolic-ref --quiet --short HEAD || true)
set -- fix-tests --forge local --report "$log" --test-cmd "$test_cmd" --json
if [ -n "$base" ]; then
    set -- "$@" --base "$base"
fi

echo "codex-bot: trying a fix in a worktree (your working copy is not touched)..." >&2
result="$state_dir/pre-push-fix.json"
"$bot" "$@" >"$result"
bot_status=$?
branch=$(tail -n 1 "$result" | sed -n 's/.*"branch": *"\([^"]*\)".*/\1/p')

if [ -n "$branch" ]; then
    echo "codex-bot: a fix is on branch $branch (codex-bot exit $bot_status). Review it with:" >&2
    echo "    git diff ${base:-HEAD}...$branch" >&2
    echo "    codex-bot prs" >&2
    echo "Merge it if it is right, then push again." >&2
else
    echo "codex-bot: no fix was made (codex-bot exit $bot_status); see $result." >&2
fi
echo "To push anyway: CODEX_BOT_SKIP=1 git push (or git push --no-verify)." >&2
exit 1

"""#
}
