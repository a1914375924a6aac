package io.gapsync.store;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The two locks every {@link Store} operation runs under, always taken in this order:
 *
 * <ol>
 *   <li>the database lifecycle lock ({@link Db#enter}), shared by every operation and taken
 *       exclusively by close, so no native handle is used after it is freed;
 *   <li>the gc lock, shared by writers that check what is present before they write (publish a
 *       blob, store a manifest, tag) and by fsck, exclusive for gc and discard, so that gc never
 *       sweeps from a marked set a writer has outdated.
 * </ol>
 *
 * <p>Both are reentrant; a thread holding the exclusive gc lock may call shared operations.
 */
final class StoreLocks {

  private final Db db;
  private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();

  StoreLocks(Db db) {
    this.db = db;
  }

  /**
   * Runs an action with the database open.
   *
   * @param what what the action does, for the CLOSED message
   * @throws StoreException CLOSED if the store is closed
   */
  <T> T guarded(String what, Supplier<T> action) {
    db.enter(what);
    try {
      return action.get();
    } finally {
      db.exit();
    }
  }

  /** Runs an action with the database open and gc excluded. */
  <T> T gcShared(String what, Supplier<T> action) {
    return guarded(
        what,
        () -> {
          gcLock.readLock().lock();
          try {
            return action.get();
          } finally {
            gcLock.readLock().unlock();
          }
        });
  }

  /** Runs an action with the database open and every gc-lock holder excluded. */
  <T> T gcExclusive(String what, Supplier<T> action) {
    return guarded(
        what,
        () -> {
          gcLock.writeLock().lock();
          try {
            return action.get();
          } finally {
            gcLock.writeLock().unlock();
          }
        });
  }
}
