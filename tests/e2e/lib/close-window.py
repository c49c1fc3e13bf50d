#!/usr/bin/env python3
"""Asks the top-level windows of process PID to close, as a window manager does when the user
clicks a window's close button: a WM_DELETE_WINDOW message (ICCCM), sent with libX11 through
ctypes (no X tools beyond libX11, which GTK needs anyway). Usage: close-window.py PID.
Exits 1 when the process has no window that takes the message."""
import ctypes
import ctypes.util
import sys

pid = int(sys.argv[1])
x = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
c_ulong, c_int, c_long, c_void_p = ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p
x.XOpenDisplay.restype = c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XDefaultRootWindow.restype = c_ulong
x.XDefaultRootWindow.argtypes = [c_void_p]
x.XInternAtom.restype = c_ulong
x.XInternAtom.argtypes = [c_void_p, ctypes.c_char_p, c_int]
x.XQueryTree.argtypes = [c_void_p, c_ulong, ctypes.POINTER(c_ulong), ctypes.POINTER(c_ulong),
                         ctypes.POINTER(ctypes.POINTER(c_ulong)), ctypes.POINTER(ctypes.c_uint)]
x.XGetWindowProperty.argtypes = [c_void_p, c_ulong, c_ulong, c_long, c_long, c_int, c_ulong,
                                 ctypes.POINTER(c_ulong), ctypes.POINTER(c_int), ctypes.POINTER(c_ulong),
                                 ctypes.POINTER(c_ulong), ctypes.POINTER(ctypes.POINTER(ctypes.c_ubyte))]
x.XFree.argtypes = [c_void_p]
x.XSendEvent.argtypes = [c_void_p, c_ulong, c_int, c_long, c_void_p]
x.XFlush.argtypes = [c_void_p]
x.XCloseDisplay.argtypes = [c_void_p]


class XClientMessageEvent(ctypes.Structure):
    _fields_ = [("type", c_int), ("serial", c_ulong), ("send_event", c_int), ("display", c_void_p),
                ("window", c_ulong), ("message_type", c_ulong), ("format", c_int), ("data", c_long * 5)]


class XEvent(ctypes.Union):
    _fields_ = [("xclient", XClientMessageEvent), ("pad", c_long * 24)]


display = x.XOpenDisplay(None)
if not display:
    sys.exit("close-window: cannot open the display")
NET_WM_PID = x.XInternAtom(display, b"_NET_WM_PID", 0)
WM_PROTOCOLS = x.XInternAtom(display, b"WM_PROTOCOLS", 0)
WM_DELETE_WINDOW = x.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
ANY_TYPE = 0


def longs(window, atom):
    """The property `atom` of `window` as a list of 32-bit values."""
    kind, fmt, count, after = c_ulong(), c_int(), c_ulong(), c_ulong()
    data = ctypes.POINTER(ctypes.c_ubyte)()
    if x.XGetWindowProperty(display, window, atom, 0, 64, 0, ANY_TYPE, ctypes.byref(kind),
                            ctypes.byref(fmt), ctypes.byref(count), ctypes.byref(after),
                            ctypes.byref(data)) != 0 or not data:
        return []
    values = [ctypes.cast(data, ctypes.POINTER(c_ulong))[i] for i in range(count.value)] if fmt.value == 32 else []
    x.XFree(data)
    return values


root = x.XDefaultRootWindow(display)
parent, top = c_ulong(), c_ulong()
children = ctypes.POINTER(c_ulong)()
n = ctypes.c_uint()
x.XQueryTree(display, root, ctypes.byref(top), ctypes.byref(parent), ctypes.byref(children), ctypes.byref(n))
windows = [children[i] for i in range(n.value)]
if children:
    x.XFree(children)

sent = 0
for window in windows:
    if longs(window, NET_WM_PID) != [pid] or WM_DELETE_WINDOW not in longs(window, WM_PROTOCOLS):
        continue
    event = XEvent()
    event.xclient.type = 33  # ClientMessage
    event.xclient.window = window
    event.xclient.message_type = WM_PROTOCOLS
    event.xclient.format = 32
    event.xclient.data[0] = WM_DELETE_WINDOW
    event.xclient.data[1] = 0  # CurrentTime
    x.XSendEvent(display, window, 0, 0, ctypes.byref(event))
    sent += 1
x.XFlush(display)
x.XCloseDisplay(display)
sys.exit(0 if sent else 1)
