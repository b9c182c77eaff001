"""A project helper module the cross-module resolution must find (imported by a test snippet)."""


def passthrough(value):
    return value.strip()


def constant(_value):
    return "fixed"


def run_it(cmd):
    import os

    os.system("echo " + cmd)


class Wrapper:
    def __init__(self, request):
        self.request = request

    def query(self, name):
        return self.request.args.get(name)

    def safe(self, name):
        return "bar"
