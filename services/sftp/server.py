"""The SFTP server of the official batch channel (docs/interface.md §10).

Senders of official Dimona batch files log in with their senderId as the SSH user name and
a public key the directory lists for them (read at each login, so a change of the directory
is in force at once); no password, no keyboard-interactive. Each sees only its own folder,
`<DIMONA_SFTP_DIR>/<senderId>/` (a chroot), and in it the six folders, created when missing:

- `IN`, `INTEST`, `INTEST-S`: the sender creates files directly inside, under a name not
  taken yet; it may not read, overwrite or remove them. A file is written as `.<name>.part`
  and takes its name when the client closes it, so intake's watcher (which ignores names
  starting with a dot) never sees it half-written; a file still open when the session ends,
  or one a write to which failed, is dropped.
- `OUT`, `OUTTEST`, `OUTTEST-S`: the system's answers; the sender reads and removes them.

It may list every folder (only its plain files are shown). Anything else - a folder made or
removed, a rename, a link, a change of owner or mode, a file outside the six folders, a
name with `/`, a leading dot or `..` - is refused with an SFTP permission error
(FX_PERMISSION_DENIED). The folders are plain directories: a file put there through the file
system is served the same.
"""

from __future__ import annotations

import asyncio
import errno
import io
import logging
import os
import re
import signal
import stat
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import asyncssh
import psycopg
from psycopg_pool import ConnectionPool

from services.common import logs
from services.common.db import open_pool
from services.directory import adapter as directory
from services.sftp.settings import SftpSettings

log = logging.getLogger("dimona.sftp")

SENDER_WRITES = ("IN", "INTEST", "INTEST-S")
SENDER_READS = ("OUT", "OUTTEST", "OUTTEST-S")
FOLDERS = SENDER_WRITES + SENDER_READS
SENDER_ID = re.compile(r"[0-9]{6}")
FILE_MODE = 0o640
MAX_NAME_BYTES = 255 - len("..part")  # `.<name>.part` must be a valid name too
WRITE_FLAGS = (asyncssh.FXF_WRITE | asyncssh.FXF_APPEND | asyncssh.FXF_CREAT
               | asyncssh.FXF_TRUNC | asyncssh.FXF_EXCL)
NO_HARD_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK)


def refused(reason: str) -> asyncssh.SFTPError:
    return asyncssh.SFTPPermissionDenied(reason)


def plain_name(name: str) -> bool:
    """A file name a sender may use: one name, no leading dot, printable."""
    return (0 < len(name.encode()) <= MAX_NAME_BYTES and not name.startswith(".")
            and "/" not in name and "\\" not in name and name.isprintable())


def path_names(path: bytes) -> tuple[str, ...]:
    """The names of a client's path below its folder: `/IN/a.xml`, `IN/a.xml` and
    `./IN//a.xml` give ("IN", "a.xml"). Never resolved: `..` is refused, not followed."""
    try:
        text = path.decode("utf-8")
    except UnicodeDecodeError:
        raise refused("a path is UTF-8") from None
    names = tuple(name for name in text.split("/") if name not in ("", "."))
    if ".." in names or "\x00" in text:
        raise refused("no '..' in a path")
    return names


def file_in(names: tuple[str, ...], folders: Iterable[str]) -> tuple[str, str]:
    """(folder, name) of a file directly inside one of `folders`, else refused."""
    if len(names) != 2 or names[0] not in folders:
        raise refused(f"only files directly inside {', '.join(folders)}")
    if not plain_name(names[1]):
        raise refused("a file name is one plain name, not starting with a dot")
    return names[0], names[1]


class Upload(io.FileIO):
    """A file the sender writes into an IN folder: `.<name>.part` until it is closed."""

    final: Path
    failed = False  # a write failed (a full disk): the file is dropped at its close


class Download(io.FileIO):
    """A file of an OUT folder the sender reads."""


def _create_part(path: str, _flags: int) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, FILE_MODE)


def _open_answer(path: str, _flags: int) -> int:
    # O_NONBLOCK: a FIFO does not block the open; it is refused below as not a file
    return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)


def finish(upload: Upload) -> None:
    """Flush the file to disk and give it its name, never replacing a file of that name
    (a hard link fails when the name is taken; rename would replace it)."""
    part = Path(upload.name)
    try:
        os.fsync(upload.fileno())
        upload.close()
        try:
            os.link(part, upload.final)
        except FileExistsError:
            raise refused(f"{upload.final.name} exists: a file is never replaced") from None
        except OSError as exc:
            if exc.errno not in NO_HARD_LINKS or os.path.lexists(upload.final):
                raise
            os.rename(part, upload.final)  # a file system without hard links
    finally:
        upload.close()
        part.unlink(missing_ok=True)


def client_gone(chan: asyncssh.SSHServerChannel) -> bool:
    """Whether the client has ended the SFTP session (end of file, channel closed or
    connection lost). asyncssh then closes the files the client left open through the same
    `close` as a client's own close, and has no public way to tell the two apart; the
    channel's receive state tells it. Fail-safe: should the attribute go in another
    asyncssh, every upload would be dropped, never one published half-written (and the
    tests would say so). A client that sends end of file without waiting for the answer to
    its close loses that file, as it cannot know whether it arrived."""
    return chan.is_closing() or getattr(chan, "_recv_state", None) != "open"


class SenderFolder(asyncssh.SFTPServer):
    """One sender's SFTP session, chrooted to its folder, with the rules of the module."""

    def __init__(self, chan: asyncssh.SSHServerChannel, root: Path, writing: set[Path]):
        """`writing`: the `.part` files being written now, by every session of the server."""
        for folder in FOLDERS:
            (root / folder).mkdir(parents=True, exist_ok=True)
        super().__init__(chan, chroot=os.fsencode(root))
        self.root = root.resolve()
        self.sender = root.name
        self.writing = writing

    def _visible(self, path: bytes) -> Path:
        """The root, a folder, or a file in a folder."""
        names = path_names(path)
        if len(names) == 0 or (len(names) == 1 and names[0] in FOLDERS):
            return self.root.joinpath(*names)
        return self.root.joinpath(*file_in(names, FOLDERS))

    # --- reading the tree ---------------------------------------------------------------

    def lstat(self, path: bytes) -> os.stat_result:
        return os.lstat(self._visible(path))

    def stat(self, path: bytes) -> os.stat_result:
        return self.lstat(path)  # links are never followed

    def statvfs(self, path: bytes) -> os.statvfs_result:
        return os.statvfs(self._visible(path))

    def realpath(self, path: bytes) -> bytes:
        if b"\x00" in path:
            raise refused("no NUL in a path")
        return super().realpath(path)  # `cd ..` of a client: resolved inside the chroot

    def scandir(self, path: bytes) -> AsyncIterator[asyncssh.SFTPName]:  # type: ignore[override]
        # not a coroutine: a refusal answers the opendir itself
        names = path_names(path)
        if not names:
            return self._entries(self.root, [f for f in FOLDERS if (self.root / f).is_dir()])
        if len(names) == 1 and names[0] in FOLDERS:
            return self._entries(self.root / names[0], self._files(self.root / names[0]))
        raise refused("only the folders are listed")

    @staticmethod
    def _files(folder: Path) -> list[str]:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries
                          if plain_name(e.name) and e.is_file(follow_symlinks=False))

    @staticmethod
    async def _entries(where: Path, names: list[str]) -> AsyncIterator[asyncssh.SFTPName]:
        here = asyncssh.SFTPAttrs.from_local(os.lstat(where))
        for name in (".", ".."):
            yield asyncssh.SFTPName(name.encode(), attrs=here)
        for name in names:
            try:
                attrs = asyncssh.SFTPAttrs.from_local(os.lstat(where / name))
            except FileNotFoundError:  # taken away since the folder was read
                continue
            yield asyncssh.SFTPName(os.fsencode(name), attrs=attrs)

    # --- files --------------------------------------------------------------------------

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> io.FileIO:
        folder, name = file_in(path_names(path), FOLDERS)
        if pflags & WRITE_FLAGS:
            return self._upload(folder, name, pflags)
        return self._download(folder, name)

    def open56(self, path: bytes, desired_access: int, flags: int,
               attrs: asyncssh.SFTPAttrs) -> io.FileIO:
        """SFTP v5 and v6: the same rules, from the access asked."""
        writes = asyncssh.ACE4_WRITE_DATA | asyncssh.ACE4_APPEND_DATA
        pflags = ((asyncssh.FXF_READ if desired_access & asyncssh.ACE4_READ_DATA else 0)
                  | (asyncssh.FXF_WRITE if desired_access & writes else 0))
        return self.open(path, pflags, attrs)

    def _upload(self, folder: str, name: str, pflags: int) -> Upload:
        if folder not in SENDER_WRITES:
            raise refused(f"{folder} is read-only: files go into {', '.join(SENDER_WRITES)}")
        if pflags & asyncssh.FXF_READ:
            raise refused(f"a file of {folder} is written, never read")
        final = self.root / folder / name
        part = final.with_name(f".{name}.part")
        if os.path.lexists(final):
            raise refused(f"{folder}/{name} exists: a file is never replaced")
        if part in self.writing:
            raise refused(f"{folder}/{name} is being written")
        upload = Upload(part, "wb", opener=_create_part)  # a stale .part is truncated
        upload.final = final
        self.writing.add(part)
        return upload

    def _download(self, folder: str, name: str) -> Download:
        if folder not in SENDER_READS:
            raise refused(f"{folder} is written, never read: answers are in "
                          f"{', '.join(SENDER_READS)}")
        download = Download(self.root / folder / name, "rb", opener=_open_answer)
        if not stat.S_ISREG(os.fstat(download.fileno()).st_mode):
            download.close()
            raise refused(f"{folder}/{name} is not a file")
        return download

    def read(self, file_obj: object, offset: int, size: int) -> bytes:
        if not isinstance(file_obj, Download):
            raise refused("a file of IN is written, never read")
        return super().read(file_obj, offset, size)  # type: ignore[return-value]

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        if not isinstance(file_obj, Upload):
            raise refused("a file of OUT is read, never written")
        try:
            return super().write(file_obj, offset, data)  # type: ignore[return-value]
        except OSError:
            file_obj.failed = True
            raise

    async def close(self, file_obj: object) -> None:
        if not isinstance(file_obj, Upload):
            file_obj.close()  # type: ignore[attr-defined]
            return
        try:
            if client_gone(self.channel) or file_obj.failed:
                self._drop(file_obj)
            else:
                await asyncio.to_thread(finish, file_obj)
                log.info("sender %s: %s/%s received", self.sender,
                         file_obj.final.parent.name, file_obj.final.name)
        finally:
            self.writing.discard(Path(file_obj.name))

    def _drop(self, upload: Upload) -> None:
        """A file never finished: the client went away, or a write failed."""
        upload.close()
        Path(upload.name).unlink(missing_ok=True)
        log.warning("sender %s: %s/%s dropped unfinished", self.sender,
                    upload.final.parent.name, upload.final.name)
        if upload.failed:
            raise asyncssh.SFTPFailure("a write failed: the file was dropped")

    def fsetstat(self, file_obj: object, attrs: asyncssh.SFTPAttrs) -> None:
        """Only the times and size of a file being written (what `put -p` sets)."""
        if (not isinstance(file_obj, Upload) or attrs.permissions is not None
                or attrs.uid is not None or attrs.gid is not None
                or attrs.owner is not None or attrs.group is not None):
            raise refused("only the times of a file being written may be set")
        super().fsetstat(file_obj, asyncssh.SFTPAttrs(
            size=attrs.size, atime=attrs.atime, atime_ns=attrs.atime_ns,
            mtime=attrs.mtime, mtime_ns=attrs.mtime_ns))

    def remove(self, path: bytes) -> None:
        folder, name = file_in(path_names(path), SENDER_READS)
        target = self.root / folder / name
        if not stat.S_ISREG(os.lstat(target).st_mode):
            raise refused(f"{folder}/{name} is not a file")
        os.remove(target)

    # --- refused ------------------------------------------------------------------------

    def setstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        raise refused("attributes are not changed")

    def lsetstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        raise refused("attributes are not changed")

    def mkdir(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        raise refused("no folders are made")

    def rmdir(self, path: bytes) -> None:
        raise refused("no folders are removed")

    def rename(self, oldpath: bytes, newpath: bytes) -> None:
        raise refused("no renames")

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        raise refused("no renames")

    def symlink(self, oldpath: bytes, newpath: bytes) -> None:
        raise refused("no links")

    def link(self, oldpath: bytes, newpath: bytes) -> None:
        raise refused("no links")

    def readlink(self, path: bytes) -> bytes:
        raise refused("no links")


# --- login ------------------------------------------------------------------------------

def listed_keys(pool: ConnectionPool, username: str) -> set[bytes]:
    """The public keys the directory lists now for the sender `username` (empty: none, an
    unknown sender, or the directory could not be read)."""
    if not SENDER_ID.fullmatch(username):
        return set()
    try:
        sender = directory.sender(pool, username)
    except psycopg.Error as exc:
        log.warning("the directory could not be read; login refused: %s", logs.describe(exc))
        return set()
    keys = set()
    for line in sender.ssh_public_keys if sender else ():
        try:
            keys.add(asyncssh.import_public_key(line.strip()).public_data)
        except asyncssh.KeyImportError:
            log.warning("sender %s: a key of the directory is not supported", username)
    return keys


class SenderLogin(asyncssh.SSHServer):
    """One connection's login: the user name is a senderId, the key one the directory lists
    for that sender at the moment of the login. No other way in."""

    def __init__(self, pool: ConnectionPool):
        self.pool = pool
        self.keys: set[bytes] = set()
        self.username = ""
        self.logged_in = False

    async def begin_auth(self, username: str) -> bool:
        self.username = username
        self.keys = await asyncio.to_thread(listed_keys, self.pool, username)
        return True  # authentication is always needed

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username == self.username and key.public_data in self.keys

    def auth_completed(self) -> None:
        self.logged_in = True
        log.info("sender %s logged in", self.username)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.username and not self.logged_in:
            log.info("login refused to user %r", self.username[:40])


# --- the server -------------------------------------------------------------------------

def host_key_path(settings: SftpSettings) -> Path:
    return settings.sftp_host_key or settings.sftp_dir.resolve().parent / "sftp_host_key"


def host_key(path: Path) -> asyncssh.SSHKey:
    """The server's key, generated at the first start and kept (mode 0600)."""
    if not path.exists():
        key = asyncssh.generate_private_key("ssh-ed25519")
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.export_private_key())
        try:
            os.link(fresh, path)  # never replaces a key another process wrote meanwhile
            log.info("generated the SFTP host key %s", path)
        except FileExistsError:
            pass
        finally:
            fresh.unlink()
    return asyncssh.read_private_key(path)


async def start_server(settings: SftpSettings, pool: ConnectionPool) -> asyncssh.SSHAcceptor:
    """Listen on DIMONA_SFTP_HOST:DIMONA_SFTP_PORT; `pool` reads the directory."""
    root = settings.sftp_dir.resolve()
    root.mkdir(parents=True, exist_ok=True)
    writing: set[Path] = set()
    return await asyncssh.create_server(
        lambda: SenderLogin(pool), settings.sftp_host, settings.sftp_port,
        server_host_keys=[host_key(host_key_path(settings))],
        sftp_factory=lambda chan: SenderFolder(chan, root / _sender(chan), writing),
        allow_scp=False, allow_pty=False, agent_forwarding=False, x11_forwarding=False,
        password_auth=False, kbdint_auth=False, gss_host=None)


def _sender(chan: asyncssh.SSHServerChannel) -> str:
    username = chan.get_extra_info("username")
    if not SENDER_ID.fullmatch(username or ""):  # login admits only senderIds
        raise refused("not a sender")
    return username


async def serve(settings: SftpSettings) -> None:
    """Serve until SIGTERM or SIGINT."""
    pool = await asyncio.to_thread(open_pool, settings.database_url, 2)
    try:
        server = await start_server(settings, pool)
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        log.info("SFTP on %s:%s, folders %s", settings.sftp_host, settings.sftp_port,
                 settings.sftp_dir.resolve())
        await stop.wait()
        server.close()
        await server.wait_closed()
    finally:
        pool.close()
