#!/usr/bin/python3
"""Test peer: a GNOME system prompter that shows its prompt to nobody.

gnome-keyring asks the prompter on the session bus
(org.gnome.keyring.SystemPrompter, gcr's org.gnome.keyring.internal.Prompter
interface) to show an unlock dialog. This one takes the request and never
answers, as a dialog on a desktop nobody is looking at (a screen left
locked, a session over ssh). It writes one line to stdout once it owns its
bus name, and appends "begin" to the file named by its one argument each
time a prompt starts.

Needs Debian's python3-dbus and python3-gi (run with /usr/bin/python3).
It only ever talks to the session bus it was started on.
"""
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

INTERFACE = "org.gnome.keyring.internal.Prompter"


class Prompter(dbus.service.Object):
    def __init__(self, bus, log):
        super().__init__(bus, "/org/gnome/keyring/Prompter")
        self.log = log

    def note(self, what):
        with open(self.log, "a") as log:
            log.write(what + "\n")

    @dbus.service.method(INTERFACE, in_signature="o", out_signature="")
    def BeginPrompting(self, callback):
        self.note("begin")

    @dbus.service.method(INTERFACE, in_signature="osa{sv}s", out_signature="")
    def PerformPrompt(self, callback, kind, properties, exchange):
        self.note("perform")

    @dbus.service.method(INTERFACE, in_signature="o", out_signature="")
    def StopPrompting(self, callback):
        self.note("stop")


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName("org.gnome.keyring.SystemPrompter", bus)
    Prompter(bus, sys.argv[1])
    print("ready", flush=True)
    GLib.MainLoop().run()
    del name


if __name__ == "__main__":
    main()
