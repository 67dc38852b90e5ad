"""An upload handler that counts the bytes of each uploaded file as they arrive and stops the
upload past ``DOCUMENT_MAX_BYTES``: no file larger than accepted is ever received in full
(a body with a Content-Length is refused even earlier, ``securite.middleware``)."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class LimiteTailleHandler(FileUploadHandler):
    """First in ``FILE_UPLOAD_HANDLERS``: passes each chunk on to the next handlers."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.recus = 0

    def receive_data_chunk(self, raw_data, start):
        self.recus += len(raw_data)
        if self.recus > settings.DOCUMENT_MAX_BYTES:
            # The rest of the body is not read; the form then finds no file and says so.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None
