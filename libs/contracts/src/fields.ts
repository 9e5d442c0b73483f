// Field rules shared by the message classes.
export const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
export const ID_MESSAGE = 'must be 1-128 characters: letters, digits and . _ : @ - (starting with a letter or digit)';
/** A non-negative decimal string: "4", "2.625". The tenant's precision is checked by the domain. */
export const DECIMAL = /^\d{1,15}(\.\d{1,6})?$/;
export const DECIMAL_MESSAGE = 'must be a non-negative decimal string such as "10" or "2.625"';
