import type { FormationRecord } from '../projection/records.js';
import { builder } from './builder.js';

// Declared apart from its fields so CellRecord.formation and Formation.cells can refer to each other.
export const FormationRef = builder.objectRef<FormationRecord>('Formation');
