// A timer as a promise.
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
