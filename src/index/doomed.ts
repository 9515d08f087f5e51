// The blob deletion queue, kept by every Index driver beside the entries. A blob is deleted only
// through it, so no process deletes a blob that another is committing, and (with a grace period)
// none that another is still reading from a shared store.
//
// A row per digest, in one of three states:
// - `doomed`: no entry references the blob any more (the entry triggers add the row when the
//   last reference goes, and remove it when a reference comes back). Deleted after the grace.
// - `claimed`: a commit is moving this blob into the store now (`claimBlob`, before the upload).
//   No deletion starts on it; the commit's entry, or `releaseBlob`, ends the claim.
// - `reaping`: one process is deleting the blob now (`takeDoomed`); a claim waits for it.
// Times come from the database's clock, so replicas with skewed clocks agree.

/** A claim this old belongs to a commit that died (longer than any upload). */
export const CLAIM_TTL_MS = 3_600_000;
/** A deletion this old belongs to a process that died; another may take it over. */
export const REAPING_TTL_MS = 300_000;

export interface DoomedBlob {
  digest: string;
  size: number;
}
