"""Parses an index page with the running pip's own code and prints what pip sees, as JSON.

Usage: python -m pip-links URL ACCEPT. One JSON object per link: file name, URL, hash,
requires-python, yank reason, and the core-metadata link pip would fetch (PEP 658/714).
"""
import json
import sys
import urllib.request

from pip._internal.index.collector import IndexContent, parse_links

url, accept = sys.argv[1], sys.argv[2]
request = urllib.request.Request(url, headers={"Accept": accept})
with urllib.request.urlopen(request) as response:
    body = response.read()
    content_type = response.headers["Content-Type"]
page = IndexContent(body, content_type, encoding=None, url=response.geturl())
for link in parse_links(page):
    meta = link.metadata_link()
    print(json.dumps({
        "content_type": content_type,
        "filename": link.filename,
        "url": link.url_without_fragment,
        "hash": [link.hash_name, link.hash],
        "requires_python": link.requires_python,
        "yanked": link.yanked_reason,
        "metadata": None if meta is None else [meta.url_without_fragment, meta._hashes],
    }))
