"""A parse cache: each document file's parsed YAML, kept under `.idlib-gold-cache/` by its bytes.

Parsing the YAML is a third of a cold build: 8.8 s of CPU time for the 5,000 documents of
the 1,000x benchmark corpus, where `json.loads` of the same data takes 0.99 s and `marshal`
0.49 s. So `build` and `check` keep what each file parsed to, as `marshal` bytes, in
`.idlib-gold-cache/parsed-<sha256 of the file>.bin`, and a later run reads those instead of
parsing: a rebuild after editing one document parses one document.

Checking each document (its cross-checks, the IG501 scan, its sentences for IG503, its tokens)
then took more than parsing: 11 s of CPU time in a rebuild at 1,000x, profiled with py-spy. So
the results are kept too, in `checked-<digest>.bin`, where the digest covers everything they
depend on: the document's id and path, the bytes of its YAML and text files, the KB's id → type
map (checking/pipeline.py gives these), and the schema files, this package's files and the
library versions (`stamp.checks_context`, added here). A rebuild after one edit checks one
document; a changed KB, schema file or package checks them all. One more entry, `tables-<digest>.bin`,
says that a build checked the tables it wrote and found nothing, for exactly those tables
(building/dataset.py): a rebuild that changes no table does not check them again. And
`split-<digest>.bin` says what a split's files were for exactly its documents' files
(building/keptsplits.py): a rebuild takes the files of a split whose documents did not change;
`tokens-<digest>.bin`, that every `ner` token of a build agreed with its text, for exactly those
texts and tokens (checking/tables.py): a rebuild after an edited entity changes the tags only.

`marshal` is the standard library's own serialiser for the types a parsed file holds (dicts,
lists, tuples, strings, numbers, None); it is not safe for bytes an attacker wrote, so a
cache file is trusted under the same rules as the stamp (stamp.py), with the same key:

- it is signed (HMAC-SHA-256, this clone's key in its git directory) over the file's SHA-256,
  a fingerprint of the parser (the reading code's own bytes, the Python and library versions,
  the marshal format) and the payload, bound to this repository's path, device and inode. A
  cache copied from another clone or machine, a file edited since, a new parser or library
  version, or any corrupted or truncated byte fails the signature, and the file is parsed;
- it is read only as a regular file of bounded size, opened without following links, in a
  cache folder that is not a link itself; anything else is ignored (the stamp findings
  name odd entries of the folder);
- it is written atomically through the one guarded writer (`outputs.files.replace_file`:
  temporary file in the same folder, rename), never through a link, and without fsync. The
  signature is what makes an entry trustworthy, not its durability: after a crash or a power
  cut an entry is the whole old one, the whole new one, or torn (empty, short, zeros), and a
  torn entry fails the signature and its file is parsed again. An fsync per entry cost about
  0.3 ms, 1.5 s of a cold 1,000x build, and bought nothing (decisions/0102).

`validate` of the whole corpus reads it too, and writes nothing: an annotator who built once
validates a large corpus without parsing it again, and the pre-commit hook (which validates the
files it is given) never touches it.

Nothing is ever needed from it: with no key (no git directory, an unpacked archive), an
unreadable folder or a full disk, every file is parsed as before. After a run that read the
whole corpus, entries no file used are removed, so the folder holds one entry a document.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import stat
from pathlib import Path

from .. import vocabulary
from ..outputs.files import OutputError, refuse_unsafe_folder, replace_file
from ..reading.files import Positions
from . import stamp

__all__ = ["ParseCache", "parse_cache", "PREFIX", "CHECKED", "STORIES", "TABLES", "SPLITS", "TOKENS"]

PREFIX = "parsed-"
#: Entries holding a document's check results (`get_checked_packed`), the one holding the measured
#: stories (`get_stories`), the one saying a build's tables were checked clean (`tables_checked`),
#: and one per split saying what its files are (`get_split`), beside the parsed files.
CHECKED, STORIES, TABLES, SPLITS = "checked-", "stories-", "tables-", "split-"
#: Entries saying the `ner` tokens of a build agreed with their texts (`tokens_checked`).
TOKENS = "tokens-"
#: Such an entry is refused above this size (a 5,000-annotation document's results are under 1 MiB).
_KEPT_MAX = 64 << 20
_SUFFIX = ".bin"
_FORMAT = b"idlib-gold parse cache 3"
_MAC = 32  # bytes of an HMAC-SHA-256
#: A cache file is refused when it is larger than this many times the file it stands for
#: (a parsed document marshals to about 1.5 times its YAML), with a floor for tiny files.
_RATIO, _FLOOR = 16, 1 << 16
_READ = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
_FOLDER = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_DIRECTORY", 0)


def _fingerprint() -> bytes:
    """What a parse depends on besides the file: the reading code, Python, the libraries, marshal."""
    from ..reading import files, flowstyle

    h = hashlib.sha256(_FORMAT)
    h.update(stamp.versions().encode())
    h.update(f"marshal {marshal.version}".encode())
    for module in (files, flowstyle):
        h.update(Path(module.__file__).read_bytes())
    return h.digest()


class ParseCache:
    """`get(raw)` → (data, positions) or None; `put(raw, data, positions, digest)`; see the module's
    docstring. An entry holds no copy of the text: a deeper position reads the file again
    (`reading.files.Loaded`), and the file is what the entry was found by."""

    def __init__(self, root: Path, key: bytes):
        self.root = Path(root)
        self.folder = self.root / stamp.STAMP_DIR
        self._key, self._bound = key, stamp.binding(root) + _fingerprint()
        self._mac = None
        self._context: bytes | None = None
        self.used: set[str] = set()
        self.writable = True

    def __getstate__(self):  # handed to worker processes: an HMAC object does not pickle; the context
        self._checks_context()  # is hashed here once, not again in every task
        return {**self.__dict__, "_mac": None}

    def _checks_context(self) -> bytes:
        """`stamp.checks_context`, hashed once a command (each cache lives for one)."""
        if self._context is None:
            self._context = stamp.checks_context(self.root)
        return self._context

    def _sign(self, digest: bytes, payload: bytes) -> bytes:
        if self._mac is None:
            self._mac = stamp.bound_mac(self._key, self._bound)
        h = self._mac.copy()
        h.update(digest)
        h.update(payload)
        return h.digest()

    def get(self, raw: bytes, digest: bytes | None = None):
        digest = digest or hashlib.sha256(raw).digest()
        payload = self.get_packed(len(raw), digest)
        return None if payload is None else self.unpack(payload)

    def get_packed(self, size: int, digest: bytes) -> bytes | None:
        """The signed payload kept for a file of `size` bytes and SHA-256 `digest`, not yet decoded (`unpack`),
        or None: a worker process hands it on as bytes, and only the process that uses it decodes it."""
        return self._payload(digest, f"{PREFIX}{digest.hex()}{_SUFFIX}", max(_FLOOR, _RATIO * size))

    @staticmethod
    def unpack(payload: bytes):
        """(data, positions) from a payload `get_packed` gave, or None when it is not in that shape."""
        value = _loads(payload)
        if type(value) is not tuple or len(value) != 2 or type(value[0]) is not dict:
            return None
        try:
            return value[0], Positions.from_compact(value[1])
        except (TypeError, ValueError, AttributeError):
            return None

    def get_checked_packed(self, material: bytes) -> bytes | None:
        """The signed payload `put_checked` kept for `material` (a document's own inputs, see
        checking/pipeline.py) under this repository's checks context (`stamp.checks_context`: the
        schema files, this package's code, the library versions), not yet decoded (`loads`), or None."""
        digest, name = self._kept_name(CHECKED, material)
        return self._payload(digest, name, _KEPT_MAX)

    @staticmethod
    def loads(payload: bytes):
        """A payload of `get_checked_packed` decoded, or None if it cannot be."""
        return _loads(payload)

    def put_checked(self, material: bytes, value) -> None:
        self._put_kept(CHECKED, material, value)

    def get_stories(self, material: bytes):
        """The measured stories kept for `material` (the digest of every document's shingles, see
        reading/corpus.py), under the checks context as above, or None."""
        digest, name = self._kept_name(STORIES, material)
        payload = self._payload(digest, name, _KEPT_MAX)
        return None if payload is None else _loads(payload)

    def put_stories(self, material: bytes, value) -> None:
        """Keep the measured stories; one entry is kept, the last (the sweep after a load leaves
        it alone, as the stories are measured after it)."""
        name = self._put_kept(STORIES, material, value)
        if name is not None:
            self._sweep(lambda other: other.startswith(STORIES) and other != name)

    def tables_checked(self, material: bytes) -> bool:
        """Whether a build of this clone checked the tables `material` stands for (`checking.tables.
        built_material`) and found nothing, under the checks context as above."""
        digest, name = self._kept_name(TABLES, material)
        payload = self._payload(digest, name, _KEPT_MAX)
        return payload is not None and _loads(payload) is True

    def put_tables_checked(self, materials: list[bytes]) -> None:
        """Keep that the tables each material stands for (the whole, a split file) were checked and found
        clean; the entries of the last clean build are kept, no others."""
        names = {self._put_kept(TABLES, material, True) for material in materials}
        if None not in names:
            self._sweep(lambda other: other.startswith(TABLES) and other not in names)

    def tokens_checked(self, material: bytes) -> bool:
        """Whether a build of this clone found every `ner` token of exactly `material` in agreement with its
        text (`checking.tables._tokens_agree`), under the checks context as above."""
        digest, name = self._kept_name(TOKENS, material)
        payload = self._payload(digest, name, _KEPT_MAX)
        return payload is not None and _loads(payload) is True

    def put_tokens_checked(self, materials: list[bytes]) -> None:
        """Keep that answer for each of `materials`, and no other: a build that takes every config's check
        as it was keeps none and leaves the entries there, so the next edit of an entity or figure still
        finds them."""
        names = {self._put_kept(TOKENS, material, True) for material in materials}
        if names and None not in names:
            self._sweep(lambda other: other.startswith(TOKENS) and other not in names)

    def get_split(self, material: bytes):
        """What `put_splits` kept for a split whose files are made of `material` (building/keptsplits.py),
        under the checks context as above, or None."""
        digest, name = self._kept_name(SPLITS, material)
        payload = self._payload(digest, name, _KEPT_MAX)
        return None if payload is None else _loads(payload)

    def put_splits(self, kept: dict[bytes, object]) -> None:
        """Keep what each split's files are (material → value); the entries of other splits are removed."""
        names = {self._put_kept(SPLITS, material, value) for material, value in kept.items()}
        if None not in names:
            self._sweep(lambda other: other.startswith(SPLITS) and other not in names)

    def _payload(self, digest: bytes, name: str, limit: int) -> bytes | None:
        """The payload of entry `name` when its signature over `digest` and the payload holds, else None."""
        self.used.add(name)
        blob = self._read(name, limit)
        if blob is None or len(blob) <= _MAC:
            return None
        payload = memoryview(blob)[_MAC:]
        if not hmac.compare_digest(blob[:_MAC], self._sign(digest, payload)):
            return None
        return bytes(payload)

    def _put_kept(self, prefix: str, material: bytes, value) -> str | None:
        if not self.writable:
            return None
        try:
            payload = marshal.dumps(value)
        except ValueError:
            return None
        digest, name = self._kept_name(prefix, material)
        self.used.add(name)
        try:
            self._ensure_folder()
            replace_file(self.folder / name, self._sign(digest, payload) + payload, 0o644, durable=False)
        except (OSError, OutputError):
            self.writable = False
            return None
        return name

    def _kept_name(self, prefix: str, material: bytes) -> tuple[bytes, str]:
        """Every kept entry is bound to the checks context and to the schema folder in use: the context
        holds the bytes of every schema folder (the repository's and the packaged copy), and which one
        validates is process state (`vocabulary.use_repository`), so results kept by a caller that
        checked against the packaged schema are not taken for a repository's own narrower one."""
        in_use = os.fsencode(os.path.abspath(vocabulary.schema_dir()))
        digest = hashlib.sha256(prefix.encode() + self._checks_context() + in_use + b"\0" + material).digest()
        return digest, f"{prefix}{digest.hex()}{_SUFFIX}"

    def _read(self, name: str, limit: int) -> bytes | None:
        try:
            folder = os.open(self.folder, _FOLDER)
        except OSError:  # absent, a link, or not a folder
            return None
        try:
            fd = os.open(name, _READ, dir_fd=folder)
        except OSError:  # absent, or a link
            return None
        finally:
            os.close(folder)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
                return None
            blob = os.read(fd, limit + 1)
            return blob if len(blob) <= limit else None
        except OSError:
            return None
        finally:
            os.close(fd)

    def put(self, raw: bytes, data, positions, digest: bytes | None = None) -> None:
        if not self.writable:
            return
        try:
            kept = positions if isinstance(positions, Positions) else Positions(positions)
            payload = marshal.dumps((data, kept.compact()))
        except ValueError:  # a value marshal does not take: that file is simply parsed each time
            return
        digest = digest or hashlib.sha256(raw).digest()
        name = f"{PREFIX}{digest.hex()}{_SUFFIX}"
        self.used.add(name)
        try:
            self._ensure_folder()
            replace_file(self.folder / name, self._sign(digest, payload) + payload, 0o644, durable=False)
        except (OSError, OutputError):  # a link, a full disk, a read-only tree: no cache, no error
            self.writable = False

    def _ensure_folder(self) -> None:
        refuse_unsafe_folder(self.folder)
        try:
            os.mkdir(self.folder, 0o755)
        except FileExistsError:
            pass
        refuse_unsafe_folder(self.folder)
        ignore = self.folder / ".gitignore"
        if not os.path.lexists(ignore):
            replace_file(ignore, b"# written by idlib-gold check and build\n*\n", 0o644)

    def take_used(self) -> set[str]:
        out, self.used = self.used, set()
        return out

    def merge(self, used: set[str]) -> None:
        self.used |= used

    def done(self, whole: bool) -> None:
        """After a load: when it read the whole corpus, remove the entries no file used."""
        if whole and self.writable:
            self._sweep(lambda name: name.startswith((PREFIX, CHECKED)) and name.endswith(_SUFFIX)
                        and name not in self.used)

    def _sweep(self, unwanted) -> None:
        """Remove the regular files of the cache folder whose names `unwanted(name)` picks; never
        through a link, and quietly where the folder or a file cannot be read or removed."""
        try:
            folder = os.open(self.folder, _FOLDER)
        except OSError:
            return
        try:
            for name in os.listdir(folder):
                if unwanted(name):
                    try:
                        if stat.S_ISREG(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode):
                            os.unlink(name, dir_fd=folder)
                    except OSError:
                        pass
        except OSError:
            pass
        finally:
            os.close(folder)


def _loads(payload: bytes):
    try:
        return marshal.loads(payload)
    except Exception:  # signed by this clone, so never expected; made again all the same
        return None


def parse_cache(root: Path, write: bool = True) -> ParseCache | None:
    """This clone's parse cache, or None where nothing may be trusted (see `stamp.clone_key`).
    With `write` False it is only read: no key, folder or entry is made, and none removed."""
    if not stamp.SUPPORTED:
        return None
    key = stamp.clone_key(root, create=write)
    if key is None:
        return None
    try:
        cache = ParseCache(root, key)
    except OSError:
        return None
    cache.writable = write
    return cache
