// Field rules shared by the message classes, and the one definition of what an id may look like:
// the shell's path parameters and the tenant files (libs/tenancy) check ids with these too.
// (The kernel cannot hold them: contracts may import nothing but contracts.)

/** Every id a caller names: accounts, usages, purchases, grants, logins, refunds, users, plans, packages. */
export const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
export const ID_MESSAGE = 'must be 1-128 characters: letters, digits and . _ : @ - (starting with a letter or digit)';

/**
 * A tenant id: the CloudEvents `tenantid` of every message (the envelope refuses any other), the first
 * part of message keys (`<tenant>:<account>`) and stream names (`<category>-<tenant>_<account>`), and
 * the tenant file's name. Without ':' and '_' those stay unambiguous; lowercase keeps file names apart
 * on case-insensitive file systems. A subset of ID.
 */
export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const TENANT_ID_MESSAGE = 'must be 1-63 characters: lowercase letters, digits and - (starting with a letter or digit)';
/** A non-negative decimal string: "4", "2.625". The tenant's precision is checked by the domain. */
export const DECIMAL = /^\d{1,15}(\.\d{1,6})?$/;
export const DECIMAL_MESSAGE = 'must be a non-negative decimal string such as "10" or "2.625"';
