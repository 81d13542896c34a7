package io.modelhealth.topology;

import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.RouteOverride;

/**
 * One record of {@code model.health.overrides} after {@link OverrideParser}: an override to apply, a
 * tombstone (both null: clear the route's override), or a dead letter.
 *
 * @param override    the validated override, stamped with its author; null for a tombstone or a dead letter
 * @param dead        why the record was rejected; null when it is applied
 * @param originalKey the record's key as it arrived, kept on the dead letter
 */
record OverrideInput(RouteOverride override, DeadLetter dead, byte[] originalKey) {
}
