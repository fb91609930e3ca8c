"""A stream class as tom-alertstreams has users write one: subclass AlertStream, implement listen()."""
from tom_alertstreams.alertstreams.alertstream import AlertStream


class ListenOnlyStream(AlertStream):
    def listen(self):
        while True:
            pass
