"""One way to hand a file to the browser: its type and a Content-Disposition that keeps a Chinese file name."""
from urllib.parse import quote

from django.http import HttpResponse

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def download(content, content_type, filename, inline=False):
    """An HttpResponse of `content` named `filename`: `inline` opens it in the browser (PDF), otherwise it is
    saved. The name goes as RFC 6266 `filename*` (UTF-8, so 工作台账-星三村.xlsx arrives whole) with an ASCII
    `filename` for old clients."""
    response = HttpResponse(content, content_type=content_type)
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    response["Content-Disposition"] = (f'{"inline" if inline else "attachment"}; filename="{fallback}"; '
                                       f"filename*=UTF-8''{quote(filename)}")
    return response
