import { Query } from '@nestjs/cqrs';
import type { RevocationList } from '../access.views.js';

/** The revocations in force now (lifted and expired ones left out). */
export class ListRevocationsQuery extends Query<RevocationList> {}
