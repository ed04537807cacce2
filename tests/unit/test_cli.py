#!/usr/bin/env python3
"""Unit test of the operator CLI (tools/kvm-abi-shim) against a fake
/sys/module/kvm_abi_shim, debugfs, modprobe.d and /lib/modules: what
automation relies on (status --json parsed by a real JSON parser, exit
codes, set-default's "unchanged" and --check, can-rollback, preflight).
Under dash, as on the hosts. The real module is the VM test's (cli.sh).
Prints TAP."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.path.join(HERE, "..", "..", "tools", "kvm-abi-shim")
SH = shutil.which("dash") or "sh"
KREL = "6.12.117+deb13-arm64"
n = failed = 0


def check(ok, what, detail=""):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print("%sok %d %s" % ("" if ok else "not ", n, what))
    if not ok and detail:
        for line in str(detail).splitlines()[:20]:
            print("# " + line)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


class Host:
    """A fake host: module parameters, debugfs, modprobe.d, /lib/modules."""

    def __init__(self, root, loaded=True, level="native", rev=0, vms=None,
                 debugfs=True, krel=KREL):
        self.root = root
        self.sys = os.path.join(root, "sys", "kvm_abi_shim")
        self.dbg = os.path.join(root, "debug")
        # A quote in a path: the JSON must stay valid.
        self.etc = os.path.join(root, 'etc"modprobe.d')
        self.lib = os.path.join(root, "lib", "modprobe.d")
        self.mods = os.path.join(root, "modules")
        self.boot = os.path.join(root, "boot")
        self.krel = krel
        os.makedirs(self.etc)
        os.makedirs(self.lib)
        os.makedirs(self.mods)
        os.makedirs(self.boot)
        if loaded:
            p = os.path.join(self.sys, "parameters")
            write(os.path.join(self.sys, "version"), "0.1.0\n")
            write(os.path.join(p, "default_level"), level + "\n")
            write(os.path.join(p, "default_iidr_rev"), "%d\n" % rev)
            write(os.path.join(p, "defaults"), "%s %d\n" % (level, rev))
            write(os.path.join(p, "supported_levels"), "native 5.10 6.1 6.12\n")
        if loaded and debugfs:
            lines = "".join("%d %d %s %d %d\n" % v for v in (vms or []))
            write(os.path.join(self.dbg, "kvm_abi_shim", "vms"),
                  "# id pid level iidr_rev ran\n" + lines)
        elif debugfs:
            os.makedirs(self.dbg)

    def env(self):
        e = dict(os.environ)
        e.update(KAS_SYSFS=self.sys, KAS_DEBUGFS=self.dbg,
                 KAS_MODPROBE_DIRS="%s %s" % (self.lib, self.etc),
                 KAS_MODULES_DIR=self.mods, KAS_BOOT_DIR=self.boot,
                 KAS_SIG_ENFORCE=os.path.join(self.root, "sig_enforce"),
                 KAS_LOCKDOWN=os.path.join(self.root, "lockdown"),
                 KAS_KERNEL_RELEASE=self.krel)
        return e

    def run(self, *args):
        r = subprocess.run([SH, CLI] + list(args), env=self.env(),
                           capture_output=True, text=True)
        return r.returncode, r.stdout, r.stderr

    def param(self, name):
        return read(os.path.join(self.sys, "parameters", name))


def fake_ko(path, krel, version="0.1.0"):
    """An ELF object whose .modinfo modinfo(8) reads, as in a built module."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    info = path + ".modinfo"
    with open(info, "wb") as f:
        f.write(b"version=%s\0vermagic=%s SMP preempt mod_unload aarch64\0"
                % (version.encode(), krel.encode()))
    src = path + ".c"
    write(src, "int kas_fake;\n")
    subprocess.run(["gcc", "-c", "-o", path + ".o", src], check=True)
    subprocess.run(["objcopy", "--add-section", ".modinfo=" + info,
                    path + ".o", path], check=True)
    for f in (info, src, path + ".o"):
        os.unlink(f)


def status_json(h):
    rc, out, err = h.run("status", "--json")
    try:
        return rc, json.loads(out), out
    except ValueError as e:
        return rc, None, "%s\n%s%s" % (e, out, err)


def test_status(tmp):
    vms = [(1, 100, "native", 3, 1), (2, 101, "5.10", 2, 0), (3, 102, "6.1", 3, 1)]
    h = Host(os.path.join(tmp, "s1"), level="6.1", vms=vms)
    write(os.path.join(h.etc, "kvm-abi-shim.conf"), "options kvm_abi_shim default_level=5.10\n")
    rc, j, raw = status_json(h)
    check(rc == 0 and j is not None, "status --json exits 0 and prints valid JSON", raw)
    j = j or {}
    check(j.get("schema") == 1 and j.get("module") == {"loaded": True, "version": "0.1.0"},
          "status --json: schema 1, module loaded with its version", raw)
    check(j.get("host_kernel") == KREL and j.get("host_level") == "6.12",
          "status --json: host kernel and host level 6.12", raw)
    check(j.get("supported_levels") == ["native", "5.10", "6.1", "6.12"],
          "status --json: supported levels as a list", raw)
    d = j.get("defaults", {})
    check(d.get("running") == {"level": "6.1", "iidr_rev": 0}, "status --json: running defaults", raw)
    nl = d.get("next_load", {})
    check(nl.get("level") == "5.10" and nl.get("iidr_rev") == 0 and
          nl.get("sources") == [os.path.join(h.etc, "kvm-abi-shim.conf")] and d.get("differ") is True,
          "status --json: next load 5.10 from the modprobe file (path with a quote), differs", raw)
    check(j.get("vm_count") == 3 and j.get("vms_error") is None and
          [v["pid"] for v in j.get("vms", [])] == [100, 101, 102],
          "status --json: the three live VMs", raw)
    v0 = (j.get("vms") or [{}])[0]
    check(v0 == {"id": 1, "pid": 100, "level": "native", "effective_level": "6.12",
                 "iidr_rev": 3, "has_run": True},
          "status --json: a native VM is at the host's level (effective_level 6.12), has run", raw)
    check(j.get("cannot_roll_back") == {"5.10": 2, "6.1": 1},
          "status --json: VMs that cannot roll back: 2 to 5.10, 1 to 6.1", raw)
    rc, out, _ = h.run("status")
    check(rc == 0 and "host level:       6.12" in out and
          "cannot roll back:  5.10: 2, 6.1: 1" in out and "differs" in out,
          "status (text) shows the host level, the rollback counts and the difference", out)

    h = Host(os.path.join(tmp, "s2"), loaded=False)
    rc, j, raw = status_json(h)
    check(rc == 3 and j is not None and j["module"] == {"loaded": False, "version": None} and
          j["vms"] is None and j["defaults"]["running"] is None and
          j["defaults"]["next_load"]["level"] == "native",
          "status --json without the module: exit 3, still JSON, loaded false", raw)
    h = Host(os.path.join(tmp, "s3"), debugfs=False)
    rc, j, raw = status_json(h)
    check(rc == 0 and j is not None and j["vm_count"] is None and j["vms"] is None and
          "debugfs is not mounted" in (j.get("vms_error") or ""),
          "status --json without debugfs: vms null and the reason", raw)
    h = Host(os.path.join(tmp, "s4"))
    rc, j, raw = status_json(h)
    check(rc == 0 and j is not None and j["vm_count"] == 0 and j["vms"] == [] and
          j["cannot_roll_back"] == {"5.10": 0, "6.1": 0} and j["defaults"]["differ"] is False,
          "status --json with no VM: empty list, zero counts, no difference", raw)


def test_can_rollback(tmp):
    vms = [(1, 100, "native", 3, 1), (2, 101, "5.10", 2, 0), (3, 102, "6.1", 3, 1)]
    h = Host(os.path.join(tmp, "r1"), level="native", vms=vms)
    rc, out, err = h.run("can-rollback", "6.12")
    check(rc == 0 and out.startswith("yes") and err == "",
          "can-rollback 6.12 on a 6.12 host: yes (exit 0)", out + err)
    rc, out, err = h.run("can-rollback", "6.1")
    check(rc == 1 and "1 of the 3 live VMs" in out and " 100 " in out and " 101 " not in out,
          "can-rollback 6.1: no (exit 1), lists the native VM only", out)
    check("warning: the running default_level is native" in err,
          "... and warns that the native default creates more such VMs", err)
    rc, out, _ = h.run("can-rollback", "6.1.0-57-arm64")
    check(rc == 1 and "above 6.1" in out, "can-rollback KREL: a kernel release stands for its series", out)
    rc, out, _ = h.run("can-rollback", "5.10")
    check(rc == 1 and "2 of the 3" in out, "can-rollback 5.10: 2 VMs above it", out)
    for bad in ("6.2", "foo", ""):
        rc, _, err = h.run("can-rollback", *([bad] if bad else []))
        check(rc == 2, "can-rollback %r: usage error (exit 2)" % bad, err)
    h = Host(os.path.join(tmp, "r2"), debugfs=False)
    rc, _, err = h.run("can-rollback", "6.1")
    check(rc == 1 and "cannot tell" in err, "can-rollback without debugfs: exit 1, cannot tell", err)
    h = Host(os.path.join(tmp, "r3"), loaded=False)
    rc, _, _ = h.run("can-rollback", "6.1")
    check(rc == 3, "can-rollback without the module: exit 3")


def test_set_default(tmp):
    h = Host(os.path.join(tmp, "d1"), level="5.10", rev=0)
    os.unlink(os.path.join(h.sys, "parameters", "defaults"))
    rc, out, _ = h.run("set-default", "5.10")
    check(rc == 0 and "unchanged" in out and h.param("defaults") is None,
          "set-default of the running level: exit 0, 'unchanged', nothing written", out)
    h = Host(os.path.join(tmp, "d2"), level="native")
    rc, out, _ = h.run("set-default", "6.1", "--check")
    check(rc == 0 and "would change: native -> 6.1" in out and h.param("defaults") == "native 0\n",
          "set-default 6.1 --check: says what would change, writes nothing", out)
    rc, out, err = h.run("set-default", "5.10", "--iidr-rev", "3", "--check")
    check(rc == 1 and h.param("defaults") == "native 0\n",
          "set-default 5.10 --iidr-rev 3 --check: refused (exit 1), as applying would be", err)
    rc, out, _ = h.run("set-default", "6.1", "--persist", "--check")
    check(rc == 0 and "would write" in out and
          not os.path.exists(os.path.join(h.etc, "kvm-abi-shim.persist.conf")),
          "set-default --persist --check: no file written", out)
    rc, out, _ = h.run("set-default", "6.1", "--persist")
    persist = read(os.path.join(h.etc, "kvm-abi-shim.persist.conf")) or ""
    check(rc == 0 and h.param("defaults") == "6.1 0\n" and
          "options kvm_abi_shim default_level=6.1 default_iidr_rev=0\n" in persist,
          "set-default 6.1 --persist: the pair written in one step, and persisted", out)
    write(os.path.join(h.sys, "parameters", "default_level"), "6.1\n")
    rc, out, _ = h.run("set-default", "6.1", "--persist")
    check(rc == 0 and "default level: unchanged" in out and "persisted: unchanged" in out,
          "the same again: unchanged, and the persisted file too", out)
    write(os.path.join(h.etc, "zz-local.conf"), "options kvm_abi_shim default_level=5.10\n")
    rc, out, err = h.run("set-default", "native", "--persist")
    check(rc == 1 and "zz-local.conf" in err and h.param("defaults") == "6.1 0\n" and
          "default_level=6.1" in (read(os.path.join(h.etc, "kvm-abi-shim.persist.conf")) or ""),
          "--persist overridden by a later file: exit 1 naming it, nothing changed", err)
    rc, _, err = h.run("set-default", "7.3")
    check(rc == 1 and "not supported on this host" in err, "set-default 7.3 on 6.12: exit 1", err)
    rc, _, _ = h.run("set-default", "6.6")
    check(rc == 2, "set-default 6.6 (not a level): exit 2")


def test_preflight(tmp):
    h = Host(os.path.join(tmp, "p1"))
    k = "6.12.118+deb13-arm64"
    rc, _, err = h.run("preflight", k)
    check(rc == 1 and "not installed" in err, "preflight of a kernel not installed: exit 1", err)
    os.makedirs(os.path.join(h.mods, k))
    rc, _, err = h.run("preflight", k)
    check(rc == 1 and "linux-headers-" + k in err,
          "preflight without headers: exit 1, names the headers package", err)
    os.makedirs(os.path.join(h.mods, k, "build"))
    rc, _, err = h.run("preflight", k)
    check(rc == 1 and "dkms" in err, "preflight without a build: exit 1, points at dkms", err)
    ko = os.path.join(h.mods, k, "updates", "dkms", "kvm_abi_shim.ko")
    fake_ko(ko, k)
    rc, out, err = h.run("preflight", k)
    check(rc == 0 and "version 0.1.0" in out and
          "levels:           native 5.10 6.1 6.12 " in out and "ready:            yes" in out,
          "preflight with the module built: exit 0, its version and the levels of 6.12", out + err)
    write(os.path.join(h.root, "sig_enforce"), "Y\n")
    rc, _, err = h.run("preflight", k)
    check(rc == 1 and "not signed" in err and "sig_enforce" in err,
          "preflight, unsigned module where signatures are enforced: exit 1", err)
    os.unlink(os.path.join(h.root, "sig_enforce"))
    write(os.path.join(h.root, "lockdown"), "none [integrity] confidentiality\n")
    rc, _, err = h.run("preflight", k)
    check(rc == 1 and "lockdown" in err, "preflight, unsigned module under lockdown: exit 1", err)
    os.unlink(os.path.join(h.root, "lockdown"))
    k2 = "6.1.0-57-arm64"
    fake_ko(os.path.join(h.mods, k2, "updates", "dkms", "kvm_abi_shim.ko"), "6.1.0-56-arm64")
    rc, _, err = h.run("preflight", k2)
    check(rc == 1 and "built for 6.1.0-56-arm64" in err,
          "preflight, a module built for another kernel: exit 1", err)
    for k3, why in (("6.6.0-1-arm64", "not one the module supports"),
                    ("6.1.0-57-rt-arm64", "PREEMPT_RT")):
        os.makedirs(os.path.join(h.mods, k3))
        if "rt" in k3:
            write(os.path.join(h.boot, "config-" + k3), "CONFIG_PREEMPT_RT=y\n")
        rc, _, err = h.run("preflight", k3)
        check(rc == 1 and why in err, "preflight %s: exit 1, %s" % (k3, why), err)
    rc, _, _ = h.run("preflight")
    check(rc == 2, "preflight without a kernel: exit 2")


def test_help(tmp):
    h = Host(os.path.join(tmp, "h1"))
    for cmd in ("status", "set-default", "can-rollback", "preflight", "fingerprint"):
        rc, out, _ = h.run("help", cmd)
        rc2, out2, _ = h.run(cmd, "--help")
        check(rc == 0 and rc2 == 0 and out.startswith("usage: kvm-abi-shim " + cmd) and out == out2,
              "help %s and %s --help: its own usage" % (cmd, cmd), out + out2)
    rc, out, _ = h.run("--version")
    check(rc == 0 and out.splitlines()[1:] == ["module kvm_abi_shim 0.1.0 (loaded)"],
          "--version: the tool's and the loaded module's version", out)


def main():
    print("TAP version 13")
    tmp = tempfile.mkdtemp(prefix="kas-cli-")
    try:
        for t in (test_status, test_can_rollback, test_set_default, test_preflight, test_help):
            t(tmp)
    finally:
        shutil.rmtree(tmp)
    print("1..%d" % n)
    print("# Totals: pass:%d fail:%d" % (n - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
