/**
 * Request header size limit of both Workers. workerd refuses a head above 128 KiB itself (plain
 * text 431, before our code runs); anything it lets through but larger than this limit is
 * answered by us, in our error envelope.
 */
export const MAX_HEADER_BYTES = 32 * 1024;

/** Size of the header block as sent (name, `: `, value, CRLF per field). */
export function headerBytes(headers: Headers): number {
  let size = 0;
  headers.forEach((v, k) => {
    size += k.length + v.length + 4;
  });
  return size;
}
