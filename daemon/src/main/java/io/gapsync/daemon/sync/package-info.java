/**
 * The sync engine: the inventory of a store (what a site holds) and the layer-level delta plan
 * (what another site lacks to hold a set of images). The diff archive export builds on the plan.
 */
package io.gapsync.daemon.sync;
