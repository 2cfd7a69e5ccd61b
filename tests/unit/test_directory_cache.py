"""The consumers' copy of the directory (services/directory/cache.py): read again as soon
as the directory's version moved, not on every use, and at least every `refresh_s`."""

from services.directory.cache import DirectoryCache


def test_the_copy_is_read_again_when_the_version_moves_and_only_then():
    reads, version = [], [7]
    cache = DirectoryCache(lambda: reads.append(1) or len(reads), refresh_s=3600,
                           version=lambda: version[0])
    assert [cache(), cache(), cache()] == [1, 1, 1]
    version[0] += 1  # `dimona directory load` committed
    assert cache() == 2, "the next use sees the change, with no wait"
    assert cache() == 2


def test_without_a_change_it_is_read_again_after_refresh_s():
    reads = []
    cache = DirectoryCache(lambda: reads.append(1) or len(reads), refresh_s=0)
    assert cache() == 1 and cache() == 2
