#!/bin/sh
# run_tests.sh DIR TEST...: run the tests in DIR as kselftest's runner
# would (TAP, each test's output as comments, exit 4 = SKIP), then one
# line: N passed, N failed, N skipped. Exit 1 if any failed.
dir=$1
shift
cd "$dir" || exit 1
echo "TAP version 13"
echo "1..$#"
n=0 pass=0 fail=0 skip=0
for t in "$@"; do
	n=$((n + 1))
	echo "# selftests: kvm_abi_shim: $t"
	./"$t" > .out 2>&1
	rc=$?
	sed 's/^/# /' .out
	case $rc in
	0) pass=$((pass + 1)); echo "ok $n selftests: kvm_abi_shim: $t" ;;
	4) skip=$((skip + 1)); echo "ok $n selftests: kvm_abi_shim: $t # SKIP" ;;
	*) fail=$((fail + 1)); echo "not ok $n selftests: kvm_abi_shim: $t # exit=$rc" ;;
	esac
done
rm -f .out
echo "# $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
