/**
 * The purchase models by id and by the name a user reads, in a module without the models' math,
 * so the commands that only name a model (member, report) load nothing else.
 */
export const PURCHASE_MODELS = ['bgnbd', 'mbgnbd'] as const;
export type PurchaseModel = (typeof PURCHASE_MODELS)[number];

export const PURCHASE_MODEL_NAMES: Readonly<Record<PurchaseModel, string>> = {
  bgnbd: 'BG/NBD',
  mbgnbd: 'MBG/NBD',
};
