/**
 * A browser tab works in the realm its URL names (ADR 0036): its calls say which in this header,
 * so two tabs in two realms never act in each other's. Kept apart so browser code can import it.
 */
export const REALM_HEADER = 'x-nhi-realm';
