/** Who acts: decided by the verified token, never by a request body. */
export interface Actor {
  readonly id: string;
  readonly name: string;
}
