#!/usr/bin/env python3
"""fleet.py: resolve the fleet (tests/vm/fleet) against the archive.

The fleet names kernels as an operator does (series, suites, flavour, which
build), never as exact versions: Debian replaces security builds every few
weeks and the old ones vanish. This reads the apt metadata of the host (the
Packages indexes apt already has) and prints the exact builds.

  fleet.py resolve SPEC          the lock: one line per fleet kernel
  fleet.py builds [--newest]     every arm64 kernel build with headers (the
                                 newest of each series, flavour and release)
  fleet.py newest PKG ARCH [SUITE-REGEX]
                                 newest version of a package, and its suite

Lock columns (tab-separated): name krel version suite image-package
headers-common-package kbuild-package kbuild-version compiler role boots
flavour; "builds" prints the same columns with the krel as name. Notices (a pin no longer in the
archive, replaced by the newest build) go to stderr, prefixed "# fleet:".
"""
import functools
import json
import os
import re
import subprocess
import sys

FLAVOURS = ("arm64", "cloud-arm64", "rt-arm64", "arm64-16k")
KEEP = re.compile(r"^Package: (linux-(headers|image|binary|kbuild|source)-|qemu-system-arm\n)")


def vercmp_part(a, b):
    """Compare two upstream/revision strings as dpkg does."""
    def order(c):
        if c == "~":
            return -1
        if c.isdigit():
            return 0
        if not c:
            return 0
        if c.isalpha():
            return ord(c)
        return ord(c) + 256

    i = j = 0
    while i < len(a) or j < len(b):
        diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = order(a[i]) if i < len(a) and not a[i].isdigit() else 0
            bc = order(b[j]) if j < len(b) and not b[j].isdigit() else 0
            if ac != bc:
                return ac - bc
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not diff:
                diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if diff:
            return diff
    return 0


def vercmp(a, b):
    """dpkg --compare-versions, as a cmp function."""
    def split(v):
        e, _, rest = v.rpartition(":") if ":" in v else ("0", "", v)
        u, _, r = rest.rpartition("-") if "-" in rest else (rest, "", "0")
        return int(e or 0), u, r
    ea, ua, ra = split(a)
    eb, ub, rb = split(b)
    if ea != eb:
        return ea - eb
    return vercmp_part(ua, ub) or vercmp_part(ra, rb)


def satisfies(ver, op, want):
    c = vercmp(ver, want)
    return {"=": c == 0, ">=": c >= 0, "<=": c <= 0, ">>": c > 0, "<<": c < 0}[op]


class Archive:
    """The linux-* packages of every Packages index apt has."""

    def __init__(self):
        # KAS_FLEET_INDEXES="FILE:SUITE:ARCH ...": plain Packages files
        # instead of apt's (the unit test's fixed archive).
        if os.environ.get("KAS_FLEET_INDEXES"):
            self.pkgs = {}
            for spec in os.environ["KAS_FLEET_INDEXES"].split():
                fn, suite, arch = spec.split(":")
                with open(fn) as f:
                    self.parse(f.read(), suite, arch)
            return
        out = subprocess.run(
            ["apt-get", "indextargets", "--format",
             "$(FILENAME)\t$(RELEASE)\t$(ARCHITECTURE)", "Created-By: Packages"],
            check=True, capture_output=True, text=True).stdout
        targets = [line.split("\t") for line in out.splitlines()]
        # Parsing every index takes seconds; the result is cached against
        # the index files' names, sizes and times.
        key = json.dumps([(fn, os.stat(fn).st_mtime_ns, os.stat(fn).st_size)
                          for fn, _, _ in targets if os.path.exists(fn)])
        cache = os.path.join(os.environ.get("KAS_CACHE", "/var/cache/kvm-abi-shim"),
                             "archive-index.json")
        try:
            with open(cache) as f:
                c = json.load(f)
            if c["key"] == key:
                self.pkgs = {tuple(k.split(" ")): v for k, v in c["pkgs"].items()}
                return
        except (OSError, ValueError, KeyError):
            pass
        self.pkgs = {}  # (name, arch) -> [ {version, suite, depends} ]
        for fn, suite, arch in targets:
            text = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", fn],
                                  check=True, capture_output=True, text=True).stdout
            self.parse(text, suite, arch)
        try:
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            with open(cache + ".tmp", "w") as f:
                json.dump({"key": key, "pkgs": {" ".join(k): v for k, v in self.pkgs.items()}}, f)
            os.replace(cache + ".tmp", cache)
        except OSError:
            pass

    def parse(self, text, suite, arch):
        for st in text.split("\n\n"):
            st = st.strip("\n")
            if not KEEP.match(st):
                continue
            f = dict(re.findall(r"^([A-Za-z-]+): ?(.*)$", st, re.M))
            a = f.get("Architecture", arch)
            self.pkgs.setdefault((f["Package"], a), []).append(
                {"version": f["Version"], "suite": suite, "depends": f.get("Depends", "")})

    def versions(self, name, arch):
        return self.pkgs.get((name, arch), [])

    def has(self, name, arch, version):
        return any(p["version"] == version for p in self.versions(name, arch))

    def newest(self, name, arch, pred=lambda p: True):
        best = None
        for p in self.versions(name, arch):
            if pred(p) and (best is None or vercmp(p["version"], best["version"]) > 0):
                best = p
        return best

    def builds(self):
        """Every arm64 kernel build whose headers, image and host kbuild
        tools are all still in the archive."""
        res = []
        for (name, arch), lst in self.pkgs.items():
            m = re.match(r"^linux-headers-(\d+\.\d+.*?-(%s))$" % "|".join(FLAVOURS), name)
            if arch != "arm64" or not m:
                continue
            krel, flavour = m.group(1), m.group(2)
            byver = {}
            for p in lst:
                byver.setdefault(p["version"], []).append(p["suite"])
            for ver, suites in byver.items():
                b = self.build(krel, flavour, ver, suites,
                               next(p for p in lst if p["version"] == ver)["depends"])
                if b:
                    res.append(b)
        return res

    def build(self, krel, flavour, ver, suites, dep):
        # -rt kernels can be flavour "rt-arm64"; the series is the leading x.y.
        series = re.match(r"^(\d+\.\d+)", krel).group(1)
        # Debian's 7.x packages split the image: linux-binary-KREL holds it.
        img = None
        for n in ("linux-binary-%s" % krel, "linux-image-%s" % krel,
                  "linux-image-%s-unsigned" % krel):
            if self.has(n, "arm64", ver):
                img = n
                break
        common = re.search(r"(linux-headers-[^ ,]+-common(-rt)?) \(= ", dep)
        # The host tools: the amd64 kbuild the headers accept. An unversioned
        # dependency (per-ABI package names) takes the headers' own version
        # where the archive has it.
        m = re.search(r"(linux-kbuild-[^ ,]+)(?: \((>=|=) ([^)]+)\))?", dep)
        if not m or not common:
            return None
        kbpkg, op, want = m.groups()
        kb = (self.has(kbpkg, "amd64", ver) and {"version": ver}) or self.newest(
            kbpkg, "amd64", lambda p: not op or satisfies(p["version"], op, want))
        cc = re.search(r"\b(gcc-\d+)\b", dep)
        if not cc:
            # 7.x: the headers depend on gcc-N-for-host (or the common
            # package does); the config names it in any case.
            cc = re.search(r"\b(gcc-\d+)-for-host\b", dep)
        return {"krel": krel, "flavour": flavour, "series": series,
                "version": ver, "suites": suites, "suite": suites[0], "image": img,
                "common": common.group(1), "kbuild": kbpkg, "kbuild_version": kb["version"] if kb else None,
                "compiler": cc.group(1) if cc else "?"}


def parse_spec(path):
    entries = []
    for line in open(path):
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        name, series, suites, flavour, pick, pin, role, boots = line
        entries.append({"name": name, "series": series, "suites": suites.split(","),
                        "flavour": flavour, "pick": pick, "pin": pin,
                        "role": role, "boots": boots})
    return entries


def usable(b):
    return b["image"] and b["kbuild_version"]


class Notices:
    """Notices go to stderr and, as comments, into the lock."""
    lines = []

    def write(self, text):
        sys.stderr.write(text)
        self.lines.append(text)

    def flush(self):
        pass


NOTICES = Notices()


def resolve(spec):
    arch = Archive()
    builds = [b for b in arch.builds() if usable(b)]
    lock, rc = [], 0
    for e in parse_spec(spec):
        cands = []
        # "debug": the arm64 build, rebuilt from its linux-source package
        # with the debug options (tests/vm/debug-kernel.sh).
        flavour = "arm64" if e["flavour"] == "debug" else e["flavour"]
        for b in builds:
            inside = [s for s in e["suites"] if s in b["suites"]]
            if b["series"] == e["series"] and b["flavour"] == flavour and inside:
                cands.append(dict(b, suite=inside[0]))
        if not cands:
            # A suite that stopped carrying a series drops its entry; a
            # series without its reference cannot be tested at all.
            print("# fleet: %s: no %s %s build with headers in %s; %s"
                  % (e["name"], e["series"], e["flavour"], ",".join(e["suites"]),
                     "it is the series' reference: cannot resolve the fleet"
                     if e["role"] == "ref" else "entry dropped"),
                  file=NOTICES)
            if e["role"] == "ref":
                rc = 1
            continue
        cands.sort(key=functools.cmp_to_key(lambda a, b: vercmp(a["version"], b["version"])))
        pick = cands[0] if e["pick"] == "oldest" else cands[-1]
        if e["pin"] != "-":
            pinned = [b for b in cands if b["krel"] == e["pin"]]
            if pinned:
                pick = pinned[-1]
            else:
                print("# fleet: %s: the pinned build %s is no longer in the archive "
                      "(%s); using the %s, %s (%s)"
                      % (e["name"], e["pin"], ",".join(e["suites"]), e["pick"],
                         pick["krel"], pick["version"]), file=NOTICES)
        if e["flavour"] == "debug":
            pick = dict(pick, krel=re.sub(r"-arm64$", "-kasdebug", pick["krel"]),
                        flavour="debug")
        lock.append((e, pick))
    # Two entries that resolve to one build are one kernel with both boots.
    merged = {}
    for e, b in lock:
        if b["krel"] in merged:
            m = merged[b["krel"]]
            m["boots"] = ",".join(dict.fromkeys(m["boots"].split(",") + e["boots"].split(",")))
            if e["role"] != "-":
                m["role"] = e["role"]
            m["name"] += "+" + e["name"]
            print("# fleet: %s resolves to the build of %s (%s)"
                  % (e["name"], m["name"], b["krel"]), file=NOTICES)
            continue
        merged[b["krel"]] = dict(b, name=e["name"], role=e["role"], boots=e["boots"])
    sys.stdout.write("".join(NOTICES.lines))
    for m in merged.values():
        print(lock_line(m))
    return rc


def lock_line(b):
    return "\t".join([b.get("name", b["krel"]), b["krel"], b["version"], b["suite"],
                      b["image"] or "-", b["common"], b["kbuild"],
                      b["kbuild_version"] or "-", b["compiler"], b.get("role", "-"),
                      b.get("boots", "-"), b["flavour"]])


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "resolve":
        sys.exit(resolve(sys.argv[2]))
    elif cmd == "builds":
        builds = sorted(Archive().builds(), key=functools.cmp_to_key(
            lambda a, b: vercmp(a["version"], b["version"])))
        if sys.argv[2:] == ["--newest"]:
            # The newest per series, flavour and Debian release (+debNN in
            # the release name, or the ABI-numbered 5.10/6.1 naming).
            last = {}
            for b in builds:
                m = re.search(r"\+(deb\d+)", b["krel"])
                last[(b["series"], b["flavour"], m.group(1) if m else "")] = b
            builds = list(last.values())
        for b in sorted(builds, key=lambda b: (b["flavour"], b["krel"])):
            print(lock_line(dict(b, suite=",".join(b["suites"]))))
    elif cmd == "newest":
        name, arch = sys.argv[2], sys.argv[3]
        rx = re.compile(sys.argv[4] if len(sys.argv) > 4 else ".")
        p = Archive().newest(name, arch, lambda p: rx.search(p["suite"]))
        if not p:
            sys.exit("fleet.py: no %s:%s in the archive" % (name, arch))
        print(p["version"], p["suite"])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
