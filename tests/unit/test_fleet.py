#!/usr/bin/env python3
"""Unit test of the fleet resolver (tests/vm/fleet.py) on a fixed archive:
the picks, pins that vanished, the kbuild the headers accept, split 7.x
packages, and Debian version order. Prints TAP."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FLEET = os.path.join(HERE, "..", "vm", "fleet.py")
sys.path.insert(0, os.path.dirname(FLEET))
import fleet  # noqa: E402


def stanza(pkg, ver, arch, depends=""):
    s = "Package: %s\nVersion: %s\nArchitecture: %s\n" % (pkg, ver, arch)
    return s + ("Depends: %s\n" % depends if depends else "")


def kernel(krel, ver, kbuild, kbdep, common=None, split=False, cc="gcc-12"):
    common = common or "linux-headers-%s-common" % krel.rsplit("-", 1)[0]
    dep = "%s (= %s), %s%s, %s" % (common, ver, kbuild, kbdep, cc)
    out = [stanza("linux-headers-" + krel, ver, "arm64", dep)]
    if split:
        out.append(stanza("linux-binary-" + krel, ver, "arm64"))
        out.append(stanza("linux-image-" + krel, ver, "arm64",
                          "linux-binary-%s (= %s)" % (krel, ver)))
    else:
        out.append(stanza("linux-image-" + krel, ver, "arm64"))
    return out


ARM64_SEC = (kernel("6.1.0-56-arm64", "6.1.192-2", "linux-kbuild-6.1", " (>= 6.1.192-2)")
             + kernel("6.1.0-57-arm64", "6.1.192-3", "linux-kbuild-6.1", " (>= 6.1.192-3)")
             + kernel("6.1.0-57-rt-arm64", "6.1.192-3", "linux-kbuild-6.1", " (>= 6.1.192-3)",
                      common="linux-headers-6.1.0-57-common-rt")
             # Headers without an image: not a usable build.
             + [stanza("linux-headers-6.1.0-58-arm64", "6.1.193-1", "arm64",
                       "linux-headers-6.1.0-58-common (= 6.1.193-1), "
                       "linux-kbuild-6.1 (>= 6.1.193-1), gcc-12")])
ARM64_MAIN = (kernel("6.1.0-47-arm64", "6.1.170-3", "linux-kbuild-6.1", " (>= 6.1.170-3)")
              + kernel("6.1.0-50-arm64", "6.1.176-1", "linux-kbuild-6.1", " (>= 6.1.176-1)"))
ARM64_BPO = (kernel("7.3.4+deb13-arm64", "7.3.4-1~bpo13+1", "linux-kbuild-7.3.4+deb13", "",
                    split=True, cc="gcc-14-for-host")
             + kernel("6.12.95+deb12-arm64", "6.12.95-1~bpo12+1",
                      "linux-kbuild-6.12.95+deb12", ""))
# Only the newer 6.1 kbuild is left in the security archive (the case that
# broke the pinned fleet); 6.1.176-1 is in the point release.
AMD64 = [stanza("linux-kbuild-6.1", "6.1.192-3", "amd64"),
         stanza("linux-kbuild-6.1", "6.1.176-1", "amd64"),
         stanza("linux-kbuild-7.3.4+deb13", "7.3.4-1~bpo13+1", "amd64"),
         stanza("linux-kbuild-6.12.95+deb12", "6.12.95-1~bpo12+1", "amd64")]

SPEC = """# name series suites flavour pick pin role boots
old    6.1  bookworm                    arm64 oldest -              -   v3
point  6.1  bookworm                    arm64 newest -              -   v3,v2
ref    6.1  bookworm-security,bookworm  arm64 newest 6.1.0-56-arm64 ref v3,v2
gone   6.1  bookworm-security           arm64 newest 6.1.0-55-arm64 -   v3
new73  7.3  trixie-backports            arm64 newest -              -   v3
dbg73  7.3  trixie-backports            debug newest -              -   v3
bpo612 6.12 bookworm-backports          arm64 newest -              -   v3
"""

n = failed = 0


def check(ok, what):
    global n, failed
    n += 1
    failed += not ok
    print("%sok %d %s" % ("" if ok else "not ", n, what))


def main():
    tmp = tempfile.mkdtemp()
    files = []
    for name, suite, arch, st in (("sec", "bookworm-security", "arm64", ARM64_SEC),
                                  ("main", "bookworm", "arm64", ARM64_MAIN),
                                  ("bpo", "trixie-backports", "arm64", ARM64_BPO),
                                  ("amd", "bookworm-security", "amd64", AMD64)):
        p = os.path.join(tmp, name)
        with open(p, "w") as f:
            f.write("\n".join(st))
        files.append("%s:%s:%s" % (p, suite, arch))
    spec = os.path.join(tmp, "spec")
    with open(spec, "w") as f:
        f.write(SPEC)
    env = dict(os.environ, KAS_FLEET_INDEXES=" ".join(files))
    r = subprocess.run([sys.executable, FLEET, "resolve", spec], env=env,
                       capture_output=True, text=True)
    print("TAP version 13")
    lock = {}
    for line in r.stdout.splitlines():
        if not line.startswith("#"):
            c = line.split("\t")
            lock[c[0]] = c
    check(r.returncode == 0, "resolve succeeds (rc %d)" % r.returncode)
    check(lock.get("old", [""] * 3)[1:3] == ["6.1.0-47-arm64", "6.1.170-3"],
          "oldest: the oldest build of the suite")
    check(lock.get("point", [""] * 3)[1:3] == ["6.1.0-50-arm64", "6.1.176-1"],
          "newest: the newest build of the suite")
    check(lock.get("ref", [""] * 11)[1] == "6.1.0-56-arm64" and lock["ref"][9] == "ref",
          "a pin still in the archive is used as is, although newer builds exist")
    check(lock.get("ref", [""] * 8)[7] == "6.1.192-3",
          "kbuild: the newest amd64 build the headers' Depends (>= 6.1.192-2) accept")
    check(lock.get("point", [""] * 8)[7] == "6.1.176-1",
          "kbuild: the headers' own version where the archive has it")
    g = lock.get("gone", [""] * 4)
    check(g[1] == "6.1.0-57-arm64" and
          any("6.1.0-55-arm64 is no longer in the archive" in x and "6.1.0-57-arm64" in x
              for x in r.stdout.splitlines() if x.startswith("#")) and
          "no longer in the archive" in r.stderr,
          "a vanished pin is replaced by the newest build, with a notice in the lock and on stderr")
    check("6.1.0-58-arm64" not in r.stdout, "headers without an image are not a build")
    check("bpo612" not in lock and "# fleet: bpo612: no 6.12 arm64 build" in r.stdout and
          "entry dropped" in r.stdout,
          "an entry whose suites carry no build of its series is dropped, with a notice")
    spec2 = os.path.join(tmp, "spec2")
    with open(spec2, "w") as f:
        f.write("ref612 6.12 bookworm arm64 newest - ref v3\n")
    r2 = subprocess.run([sys.executable, FLEET, "resolve", spec2], env=env,
                        capture_output=True, text=True)
    check(r2.returncode != 0 and "series' reference" in r2.stderr,
          "a reference entry without a build fails the resolution, saying why")
    check(g[11:12] == ["arm64"], "flavour arm64 does not pick the -rt build of the same ABI")
    n73 = lock.get("new73", [""] * 12)
    check(n73[1:3] == ["7.3.4+deb13-arm64", "7.3.4-1~bpo13+1"] and
          n73[4] == "linux-binary-7.3.4+deb13-arm64" and n73[8] == "gcc-14",
          "7.x: the image is linux-binary-KREL, the compiler gcc-14 (gcc-14-for-host)")
    d73 = lock.get("dbg73", [""] * 12)
    check(d73[1:3] == ["7.3.4+deb13-kasdebug", "7.3.4-1~bpo13+1"] and d73[11] == "debug" and
          d73[8] == "gcc-14" and lock.get("new73", [""])[1] == "7.3.4+deb13-arm64",
          "debug: the arm64 build's version, its own release ...-kasdebug, next to the build")
    b = subprocess.run([sys.executable, FLEET, "builds"], env=env,
                       capture_output=True, text=True).stdout
    rows = {c.split("\t")[1]: c.split("\t") for c in b.splitlines()}
    check(rows.get("6.1.0-57-rt-arm64", [""] * 12)[11] == "rt-arm64" and
          rows["6.1.0-57-rt-arm64"][5] == "linux-headers-6.1.0-57-common-rt",
          "builds: the -rt flavour with its -common-rt headers")
    check(sorted(rows) == sorted(["6.1.0-47-arm64", "6.1.0-50-arm64", "6.1.0-56-arm64",
                                  "6.1.0-57-arm64", "6.1.0-57-rt-arm64", "6.1.0-58-arm64",
                                  "6.12.95+deb12-arm64", "7.3.4+deb13-arm64"]) and
          rows["6.1.0-58-arm64"][4] == "-",
          "builds: every headers package once, one without an image marked so")
    for a, op, b_ in (("6.12.95-1~bpo12+1", "<", "6.12.95-1"),
                      ("1:10.0.2+ds-2", ">", "9.2+dfsg-1"),
                      ("6.1.192-3", ">", "6.1.192-2"),
                      ("6.12.115-2~deb12u1", ">", "6.12.115-1"),
                      ("6.1.99-1", "<", "6.1.170-3")):
        c = fleet.vercmp(a, b_)
        check((c < 0) if op == "<" else (c > 0), "version order: %s %s %s" % (a, op, b_))
    print("1..%d" % n)
    print("# Totals: pass:%d fail:%d" % (n - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
