import { type StatementKind } from './classification.js';
import { asNode, tagOf, type Node } from './nodes.js';

/**
 * Which kind each parse-tree statement node is. A table rather than a
 * switch: it is data, reviewed against the list of node types in
 * `@pgsql/types`. Node types not listed are 'other'.
 */
const kindByTag: Readonly<Record<string, StatementKind>> = {
  SelectStmt: 'select',
  InsertStmt: 'insert',
  UpdateStmt: 'update',
  DeleteStmt: 'delete',
  MergeStmt: 'merge',

  CreateStmt: 'create',
  CreateTableAsStmt: 'create',
  ViewStmt: 'create',
  IndexStmt: 'create',
  CreateSchemaStmt: 'create',
  CreateSeqStmt: 'create',
  CompositeTypeStmt: 'create',
  CreateEnumStmt: 'create',
  CreateRangeStmt: 'create',
  CreateDomainStmt: 'create',
  DefineStmt: 'create',
  CreateTableSpaceStmt: 'create',
  CreateFdwStmt: 'create',
  CreateForeignServerStmt: 'create',
  CreateForeignTableStmt: 'create',
  CreateUserMappingStmt: 'create',
  ImportForeignSchemaStmt: 'create',
  CreatePolicyStmt: 'create',
  CreateAmStmt: 'create',
  CreateOpClassStmt: 'create',
  CreateOpFamilyStmt: 'create',
  CreateStatsStmt: 'create',
  CreateConversionStmt: 'create',
  CreateCastStmt: 'create',
  CreatedbStmt: 'create',
  CreatePublicationStmt: 'create',
  CreateSubscriptionStmt: 'create',

  // Everything that installs code the server will run later.
  CreateFunctionStmt: 'create_function',
  CreateTrigStmt: 'create_function',
  CreateEventTrigStmt: 'create_function',
  RuleStmt: 'create_function',
  CreateExtensionStmt: 'create_function',
  CreatePLangStmt: 'create_function',
  CreateTransformStmt: 'create_function',

  AlterTableStmt: 'alter',
  AlterDomainStmt: 'alter',
  AlterEnumStmt: 'alter',
  AlterCollationStmt: 'alter',
  AlterTableSpaceOptionsStmt: 'alter',
  AlterTableMoveAllStmt: 'alter',
  AlterExtensionStmt: 'alter',
  AlterExtensionContentsStmt: 'alter',
  AlterFdwStmt: 'alter',
  AlterForeignServerStmt: 'alter',
  AlterUserMappingStmt: 'alter',
  AlterPolicyStmt: 'alter',
  AlterEventTrigStmt: 'alter',
  AlterSeqStmt: 'alter',
  AlterOpFamilyStmt: 'alter',
  AlterStatsStmt: 'alter',
  AlterFunctionStmt: 'alter',
  AlterObjectDependsStmt: 'alter',
  AlterObjectSchemaStmt: 'alter',
  AlterOwnerStmt: 'alter',
  AlterOperatorStmt: 'alter',
  AlterTypeStmt: 'alter',
  AlterDatabaseStmt: 'alter',
  AlterDatabaseRefreshCollStmt: 'alter',
  AlterDatabaseSetStmt: 'alter',
  AlterTSDictionaryStmt: 'alter',
  AlterTSConfigurationStmt: 'alter',
  AlterPublicationStmt: 'alter',
  AlterSubscriptionStmt: 'alter',
  RenameStmt: 'alter',
  CommentStmt: 'alter',
  SecLabelStmt: 'alter',
  ReplicaIdentityStmt: 'alter',
  ReassignOwnedStmt: 'alter',

  AlterSystemStmt: 'alter_system',

  DropStmt: 'drop',
  DropdbStmt: 'drop',
  DropTableSpaceStmt: 'drop',
  DropUserMappingStmt: 'drop',
  DropSubscriptionStmt: 'drop',
  DropOwnedStmt: 'drop',

  TruncateStmt: 'truncate',

  CreateRoleStmt: 'role',
  AlterRoleStmt: 'role',
  AlterRoleSetStmt: 'role',
  DropRoleStmt: 'role',
  AlterDefaultPrivilegesStmt: 'role',

  CopyStmt: 'copy',
  DoStmt: 'do',
  CallStmt: 'call',
  ExplainStmt: 'explain',
  PrepareStmt: 'prepare',
  ExecuteStmt: 'execute',
  DeallocateStmt: 'deallocate',
  TransactionStmt: 'transaction',
  VariableShowStmt: 'show',
  ConstraintsSetStmt: 'set',
  DiscardStmt: 'discard',
  DeclareCursorStmt: 'cursor',
  FetchStmt: 'cursor',
  ClosePortalStmt: 'cursor',
  LockStmt: 'lock',
  ListenStmt: 'listen',
  UnlistenStmt: 'listen',
  NotifyStmt: 'notify',
  LoadStmt: 'load',
};

export function statementKindOf(node: Node): StatementKind {
  const grant = asNode(node, 'GrantStmt') ?? asNode(node, 'GrantRoleStmt');
  if (grant !== undefined) return grant.is_grant ? 'grant' : 'revoke';
  const variable = asNode(node, 'VariableSetStmt');
  if (variable !== undefined) {
    return variable.kind === 'VAR_RESET' || variable.kind === 'VAR_RESET_ALL' ? 'reset' : 'set';
  }
  const vacuum = asNode(node, 'VacuumStmt');
  if (vacuum !== undefined) return vacuum.is_vacuumcmd ? 'vacuum' : 'analyze';
  return kindByTag[tagOf(node)] ?? 'other';
}

/**
 * Kinds that change data or schema by themselves. Kinds whose effect is not
 * visible here (DO, CALL, EXECUTE) are counted as writes: a guard must
 * assume the worst about what it cannot see.
 */
const writingKinds: ReadonlySet<StatementKind> = new Set<StatementKind>([
  'insert',
  'update',
  'delete',
  'merge',
  'create',
  'create_function',
  'alter',
  'alter_system',
  'drop',
  'truncate',
  'grant',
  'revoke',
  'role',
  'do',
  'call',
  'execute',
  'unparseable',
]);

export function kindWrites(kind: StatementKind): boolean {
  return writingKinds.has(kind);
}

/** Statement node types that are DML and therefore analysed with scopes. */
export function isQueryTag(tag: string): boolean {
  return (
    tag === 'SelectStmt' ||
    tag === 'InsertStmt' ||
    tag === 'UpdateStmt' ||
    tag === 'DeleteStmt' ||
    tag === 'MergeStmt'
  );
}
