"""The SFTP server of the official batch files (services/sftp, docs/interface.md §10): the
real server on a free port, its logins read from the directory in the real embedded
PostgreSQL, driven by a real asyncssh client."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

from dimona.embedded import free_port
from services.common.db import open_pool
from services.directory import adapter as directory
from services.directory.domain import Declarant, DirectoryDocument
from services.sftp.server import FOLDERS, host_key, host_key_path, start_server
from services.sftp.settings import SftpSettings
from tests.conftest import wait_until

pytestmark = pytest.mark.integration
FIRST, SECOND, LATER = "123456", "654321", "111111"


def new_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


def sender(sender_id: str, *keys: asyncssh.SSHKey) -> Declarant:
    return Declarant(enterprise_number=f"0{sender_id}000", name=f"Secretariaat {sender_id}",
                     token=f"token-{sender_id}", batch_sender=True, sender_id=sender_id,
                     ssh_public_keys=tuple(k.export_public_key("openssh").decode().strip()
                                           for k in keys))


@dataclass
class Served:
    database_url: str
    settings: SftpSettings
    keys: dict[str, asyncssh.SSHKey]

    @property
    def root(self) -> Path:
        return self.settings.sftp_dir

    def folder(self, sender_id: str, *names: str) -> Path:
        return self.root.joinpath(sender_id, *names)


@pytest.fixture(scope="module")
def served(infra, tmp_path_factory) -> Iterator[Served]:
    """The server in a thread of its own, as `python -m services.sftp` runs it."""
    url = infra.new_database()
    keys = {FIRST: new_key(), SECOND: new_key()}
    directory.load(url, DirectoryDocument(declarants=[
        sender(FIRST, keys[FIRST]), sender(SECOND, keys[SECOND])]))
    settings = SftpSettings(sftp_dir=tmp_path_factory.mktemp("var") / "sftp",
                            sftp_port=free_port(), database_url=url)
    pool = open_pool(url, 2)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    acceptor = asyncio.run_coroutine_threadsafe(start_server(settings, pool), loop).result(30)
    yield Served(url, settings, keys)
    loop.call_soon_threadsafe(acceptor.close)
    asyncio.run_coroutine_threadsafe(acceptor.wait_closed(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()
    pool.close()


def connect(served: Served, username: str, **options) -> Awaitable[asyncssh.SSHClientConnection]:
    options = {"known_hosts": None, "agent_path": None, "config": None, "client_keys": None,
               "login_timeout": 10, **options}
    return asyncssh.connect("127.0.0.1", served.settings.sftp_port, username=username,
                            **options)


@asynccontextmanager
async def session(served: Served, sender_id: str, key: asyncssh.SSHKey | None = None
                  ) -> AsyncIterator[asyncssh.SFTPClient]:
    key = key or served.keys[sender_id]
    async with await connect(served, sender_id, client_keys=[key]) as conn:
        async with conn.start_sftp_client() as sftp:
            yield sftp


async def denied(call: Awaitable) -> None:
    try:
        await call
    except asyncssh.SFTPError as exc:
        assert exc.code == asyncssh.FX_PERMISSION_DENIED, exc
    else:
        raise AssertionError("the server allowed it")


async def put(sftp: asyncssh.SFTPClient, path: str, data: bytes) -> None:
    async with sftp.open(path, "wb") as remote:
        await remote.write(data)


def names(listing: list[str]) -> list[str]:
    return sorted(set(listing) - {".", ".."})


def tree(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


def test_a_listed_key_logs_in_to_a_server_with_its_kept_host_key(served):
    key_path = served.root.parent / "sftp_host_key"
    assert host_key_path(served.settings) == key_path.resolve()

    async def scenario() -> list[str]:
        trusted = ([host_key(key_path).convert_to_public()], [], [])
        async with await connect(served, FIRST, client_keys=[served.keys[FIRST]],
                                 known_hosts=trusted) as conn:
            async with conn.start_sftp_client() as sftp:
                return names(await sftp.listdir("/"))

    assert asyncio.run(scenario()) == sorted(FOLDERS)
    assert key_path.exists() and not key_path.is_relative_to(served.root)
    assert oct(key_path.stat().st_mode & 0o777) == "0o600"
    before = key_path.read_bytes()
    host_key(key_path)  # the next start reuses it
    assert key_path.read_bytes() == before


def test_a_wrong_key_an_unknown_sender_and_a_password_are_refused(served):
    attempts = [
        (FIRST, {"client_keys": [served.keys[SECOND]]}),  # another sender's key
        (FIRST, {"client_keys": [new_key()]}),
        ("999999", {"client_keys": [served.keys[FIRST]]}),  # not in the directory
        ("root", {"client_keys": [served.keys[FIRST]]}),
        (FIRST, {"password": "secret", "preferred_auth": "password"}),
        (FIRST, {"password": "secret", "preferred_auth": "keyboard-interactive"}),
    ]

    async def attempt(username: str, options: dict) -> None:
        with pytest.raises(asyncssh.PermissionDenied):
            async with await connect(served, username, **options):
                pass

    async def scenario() -> None:
        for username, options in attempts:
            await attempt(username, options)
        async with session(served, FIRST) as sftp:  # the right key still opens
            assert names(await sftp.listdir("/")) == sorted(FOLDERS)

    asyncio.run(scenario())


def test_the_sender_sees_only_its_six_folders(served):
    (served.folder(FIRST, "stray.txt")).parent.mkdir(parents=True, exist_ok=True)
    (served.folder(FIRST, "stray.txt")).write_text("not for the sender")
    (served.folder(FIRST, "stray")).mkdir(exist_ok=True)

    async def scenario() -> None:
        async with session(served, FIRST) as sftp:
            assert names(await sftp.listdir("/")) == sorted(FOLDERS)
            assert names(await sftp.listdir(".")) == sorted(FOLDERS)
            assert await sftp.realpath("..") == "/"  # the chroot's top
            for outside in ("/..", "../..", "stray", "IN/.."):
                await denied(sftp.listdir(outside))
            await denied(sftp.stat("stray.txt"))
            await denied(sftp.stat("/../sftp_host_key"))
            for folder in FOLDERS:
                assert (await sftp.stat(folder)).type == asyncssh.FILEXFER_TYPE_DIRECTORY

    asyncio.run(scenario())
    assert sorted(p.name for p in served.folder(FIRST).iterdir() if p.is_dir()) == sorted(
        FOLDERS + ("stray",))


def test_a_file_put_into_IN_takes_its_name_only_when_closed(served, tmp_path):
    final = served.folder(FIRST, "IN", "FI.DIMONA.20261207.00001.xml")
    part = final.with_name(f".{final.name}.part")
    local = tmp_path / "FS.DIMONA.xml"
    local.write_bytes(b"<Form/>" * 1000)

    async def scenario() -> None:
        async with session(served, FIRST) as sftp:
            async with sftp.open(f"IN/{final.name}", "wb") as remote:
                for i in range(3):
                    await remote.write(b"x" * 1000, offset=i * 1000)
                    assert not final.exists() and part.stat().st_size == (i + 1) * 1000
                    assert names(await sftp.listdir("IN")) == []  # the .part is not shown
            assert final.read_bytes() == b"x" * 3000 and not part.exists()
            assert names(await sftp.listdir("IN")) == [final.name]
            await sftp.put(str(local), "INTEST-S/")  # a client's put, into a folder
            assert (await sftp.stat(f"INTEST-S/{local.name}")).size == 7000

    asyncio.run(scenario())
    assert served.folder(FIRST, "INTEST-S", local.name).read_bytes() == local.read_bytes()
    assert [p.name for p in served.folder(FIRST, "INTEST-S").iterdir()] == [local.name]


def test_a_file_left_open_when_the_session_ends_is_dropped(served):
    left = [served.folder(FIRST, "INTEST", name) for name in ("left.xml", "lost.xml")]
    parts = [p.with_name(f".{p.name}.part") for p in left]

    async def scenario() -> None:
        conn = await connect(served, FIRST, client_keys=[served.keys[FIRST]])
        sftp = await conn.start_sftp_client()
        await (await sftp.open("INTEST/left.xml", "wb")).write(b"half")
        sftp.exit()  # the SFTP session ends with the file open
        await sftp.wait_closed()
        sftp = await conn.start_sftp_client()
        await (await sftp.open("INTEST/lost.xml", "wb")).write(b"half")
        assert parts[1].exists()
        assert (await sftp.listdir("INTEST")) and not parts[0].exists()
        conn.abort()  # the connection is lost
        await conn.wait_closed()

    asyncio.run(scenario())
    wait_until(lambda: not list(served.folder(FIRST, "INTEST").iterdir()), 10,
               "the unfinished files to be dropped")
    assert not any(p.exists() for p in left)


def test_a_file_whose_write_failed_is_dropped_at_its_close(served):
    final = served.folder(FIRST, "IN", "failed.xml")

    async def scenario() -> None:
        async with session(served, FIRST) as sftp:
            remote = await sftp.open("IN/failed.xml", "wb")
            await remote.write(b"<Form>")
            with pytest.raises(asyncssh.SFTPError):  # beyond what the file system holds
                await remote.write(b"</Form>", offset=2**63 - 4)
            with pytest.raises(asyncssh.SFTPFailure):
                await remote.close()
            await put(sftp, "IN/failed.xml", b"<Form/>")  # the name is free again

    asyncio.run(scenario())
    assert final.read_bytes() == b"<Form/>"
    assert not final.with_name(".failed.xml.part").exists()


def test_writes_outside_IN_and_names_that_are_not_plain_are_refused(served):
    (served.folder(FIRST, "IN", "sub")).mkdir(parents=True, exist_ok=True)
    (served.folder(SECOND, "IN")).mkdir(parents=True, exist_ok=True)
    taken = served.folder(FIRST, "IN", "taken.xml")
    taken.write_bytes(b"first")

    async def scenario() -> set[Path]:
        async with session(served, FIRST) as sftp:
            before = tree(served.root.parent)  # with the folders the login made
            for path in ("OUT/x.xml", "OUTTEST/x.xml", "OUTTEST-S/x.xml", "x.xml", "/x.xml",
                         "IN/sub/x.xml", "IN/../x.xml", "../x.xml", "/../../x.xml",
                         f"IN/../../{SECOND}/IN/x.xml", "IN/taken.xml", "IN/.hidden.xml",
                         "IN/.taken.xml.part", "IN/..", "IN", "IN/a\\b.xml", "IN/a\tb.xml"):
                await denied(put(sftp, path, b"data"))
            await denied(sftp.open("IN/taken.xml", "ab"))
            await denied(sftp.open("IN/new.xml", "r+b"))  # written, never read
            for folder in ("IN/new", "new", "OUT/new", "../new"):
                await denied(sftp.mkdir(folder))
            assert "taken.xml" in names(await sftp.listdir("IN"))  # still serving
            return before

    before = asyncio.run(scenario())
    assert tree(served.root.parent) == before
    assert taken.read_bytes() == b"first"


def test_answers_are_read_from_OUT_never_from_IN(served, tmp_path):
    answer = served.folder(FIRST, "OUT", "FI.DIMONA.xml.ACK")
    for path in (answer, served.folder(FIRST, "IN", "sent.xml")):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"<Form/>" if path.parent.name == "IN" else b"<Ack/>")
    (served.folder(FIRST, "OUT", ".hidden")).write_bytes(b"not shown")

    async def scenario() -> None:
        async with session(served, FIRST) as sftp:
            async with sftp.open(f"OUT/{answer.name}", "rb") as remote:
                assert await remote.read() == b"<Ack/>"
            await sftp.get(f"OUT/{answer.name}", str(tmp_path / "got"))
            assert names(await sftp.listdir("OUT")) == [answer.name]
            await denied(sftp.open("IN/sent.xml", "rb"))
            await denied(sftp.get("IN/sent.xml", str(tmp_path / "not")))
            await denied(sftp.open(f"OUT/{answer.name}", "r+b"))
            await denied(sftp.open("OUT/.hidden", "rb"))
            await denied(sftp.open(f"../{FIRST}/OUT/{answer.name}", "rb"))

    asyncio.run(scenario())
    assert (tmp_path / "got").read_bytes() == b"<Ack/>"


def test_files_are_removed_from_OUT_only_and_nothing_is_renamed_or_linked(served):
    fetched, kept, other = (served.folder(FIRST, *p) for p in (
        ("OUTTEST", "fetched.xml"), ("IN", "kept.xml"), ("OUT", "other.xml")))
    for path in (fetched, kept, other):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"data")

    async def scenario() -> None:
        async with session(served, FIRST) as sftp:
            await sftp.remove("OUTTEST/fetched.xml")
            await denied(sftp.remove("IN/kept.xml"))
            await denied(sftp.remove("OUT/../IN/kept.xml"))
            await denied(sftp.rmdir("OUT"))
            await denied(sftp.rename("OUT/other.xml", "IN/other.xml"))
            await denied(sftp.posix_rename("OUT/other.xml", "OUT/renamed.xml"))
            await denied(sftp.symlink("/OUT/other.xml", "IN/link.xml"))
            await denied(sftp.symlink("../../..", "IN/up"))
            await denied(sftp.link("OUT/other.xml", "IN/hard.xml"))
            await denied(sftp.chmod("IN/kept.xml", 0o777))
            await denied(sftp.chmod("IN", 0o777))
            await denied(sftp.setstat("OUT/other.xml", asyncssh.SFTPAttrs(uid=0, gid=0)))

    asyncio.run(scenario())
    assert not fetched.exists() and kept.read_bytes() == b"data" and other.exists()
    assert not any(served.folder(FIRST, *p).exists() for p in (
        ("IN", "other.xml"), ("OUT", "renamed.xml"), ("IN", "hard.xml")))
    assert not any(p.is_symlink() for p in served.root.rglob("*"))
    assert oct(kept.stat().st_mode & 0o777) != "0o777"


def test_a_second_sender_sees_none_of_the_first_senders_files(served):
    mine = served.folder(FIRST, "OUT", "answer-of-the-first.xml")
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_bytes(b"first's")

    async def scenario() -> None:
        async with session(served, FIRST) as sftp:
            await put(sftp, "IN/sent-by-the-first.xml", b"first's")
        async with session(served, SECOND) as sftp:
            assert names(await sftp.listdir("/")) == sorted(FOLDERS)
            for folder in FOLDERS:
                assert names(await sftp.listdir(folder)) == []
            try:
                await sftp.open(f"OUT/{mine.name}", "rb")
                raise AssertionError("the second sender read the first's answer")
            except asyncssh.SFTPNoSuchFile:
                pass
            await denied(sftp.open(f"../{FIRST}/OUT/{mine.name}", "rb"))
            await denied(sftp.listdir(f"/../{FIRST}/IN"))
            await put(sftp, "IN/sent-by-the-second.xml", b"second's")

    asyncio.run(scenario())
    assert served.folder(SECOND, "IN", "sent-by-the-second.xml").read_bytes() == b"second's"
    assert not served.folder(FIRST, "IN", "sent-by-the-second.xml").exists()
    assert mine.read_bytes() == b"first's"


def test_the_directory_is_read_at_each_login(served):
    old, added = new_key(), new_key()
    directory.load(served.database_url, DirectoryDocument(declarants=[sender(LATER, old)]))

    async def logs_in(key: asyncssh.SSHKey) -> bool:
        try:
            async with session(served, LATER, key) as sftp:
                return names(await sftp.listdir("/")) == sorted(FOLDERS)
        except asyncssh.PermissionDenied:
            return False

    assert asyncio.run(logs_in(old)) and not asyncio.run(logs_in(added))
    directory.load(served.database_url, DirectoryDocument(declarants=[sender(LATER, old, added)]))
    assert asyncio.run(logs_in(added))  # no restart
    directory.load(served.database_url, DirectoryDocument(declarants=[sender(LATER, added)]))
    assert not asyncio.run(logs_in(old)) and asyncio.run(logs_in(added))
